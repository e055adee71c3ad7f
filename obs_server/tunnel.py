"""An ssh local port forward to the OB server (paramiko), reconnecting when the link drops.

The OB server runs inside the CHARA network; a2p2 users outside reach it through an
ssh gateway. ``Tunnel`` listens on a loopback port and forwards each connection over
one ssh transport (``direct-tcpip`` channels); a supervisor thread reconnects with
back-off whenever the transport dies, and new connections wait for it.
"""
from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import paramiko

log = logging.getLogger(__name__)


@dataclass
class TunnelConfig:
    gateway_host: str
    username: str
    remote_host: str = "127.0.0.1"
    remote_port: int = 8000
    gateway_port: int = 22
    key_filename: str | None = None
    local_host: str = "127.0.0.1"
    local_port: int = 0
    known_hosts: str | None = None
    accept_new_host_key: bool = False
    keepalive_seconds: int = 10
    retry_delays: Sequence[float] = field(default_factory=lambda: (0.5, 1, 2, 5, 10, 30))
    connect_timeout: float = 10.0


class Tunnel:
    def __init__(self, config: TunnelConfig, *, on_event: Callable[[str], None] | None = None):
        self.config = config
        self.on_event = on_event or log.info
        self._client: paramiko.SSHClient | None = None
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._ready = threading.Condition()
        self._threads: list[threading.Thread] = []
        self.connects = 0
        self.local_port = 0

    # --- ssh side -----------------------------------------------------------------------
    def _transport(self) -> paramiko.Transport | None:
        client = self._client
        transport = client.get_transport() if client else None
        return transport if transport is not None and transport.is_active() else None

    def _connect(self) -> None:
        cfg = self.config
        client = paramiko.SSHClient()
        client.load_system_host_keys()
        if cfg.known_hosts:
            client.load_host_keys(cfg.known_hosts)
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy() if cfg.accept_new_host_key
                                           else paramiko.RejectPolicy())
        client.connect(cfg.gateway_host, port=cfg.gateway_port, username=cfg.username,
                       key_filename=cfg.key_filename, timeout=cfg.connect_timeout,
                       banner_timeout=cfg.connect_timeout, auth_timeout=cfg.connect_timeout,
                       look_for_keys=cfg.key_filename is None, allow_agent=cfg.key_filename is None)
        client.get_transport().set_keepalive(cfg.keepalive_seconds)
        old, self._client = self._client, client
        if old is not None:
            old.close()
        self.connects += 1
        with self._ready:
            self._ready.notify_all()

    def _supervise(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            if self._transport() is not None:
                attempt = 0
                self._stop.wait(0.3)
                continue
            if self.connects:
                self.on_event("ssh link lost: reconnecting")
            try:
                self._connect()
                self.on_event(f"ssh link up to {self.config.gateway_host}:{self.config.gateway_port} "
                              f"(connection #{self.connects})")
            except (OSError, paramiko.SSHException) as exc:
                delay = self.config.retry_delays[min(attempt, len(self.config.retry_delays) - 1)]
                attempt += 1
                self.on_event(f"ssh connection failed ({exc}); retry in {delay:g} s")
                self._stop.wait(delay)

    def wait_connected(self, timeout: float) -> paramiko.Transport | None:
        deadline = time.monotonic() + timeout
        with self._ready:
            while (transport := self._transport()) is None and not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._ready.wait(min(remaining, 0.3))
        return transport

    # --- local side --------------------------------------------------------------------------
    def _pump(self, sock: socket.socket, chan: paramiko.Channel) -> None:
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select([sock, chan], [], [], 1.0)
                if sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        break
                    chan.sendall(data)
                if chan in readable:
                    data = chan.recv(65536)
                    if not data:
                        break
                    sock.sendall(data)
        except (OSError, paramiko.SSHException):
            pass
        finally:
            chan.close()
            sock.close()

    def _handle(self, sock: socket.socket, peer) -> None:
        transport = self.wait_connected(self.config.connect_timeout)
        if transport is None:
            sock.close()
            return
        try:
            chan = transport.open_channel("direct-tcpip", (self.config.remote_host, self.config.remote_port), peer)
        except (OSError, paramiko.SSHException) as exc:
            self.on_event(f"forwarding refused by the gateway: {exc}")
            sock.close()
            return
        self._pump(sock, chan)

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                sock, peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            sock.settimeout(None)
            threading.Thread(target=self._handle, args=(sock, peer), daemon=True).start()

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> int:
        """Bind the local port, start the ssh supervisor; returns the local port."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.config.local_host, self.config.local_port))
        listener.listen(32)
        listener.settimeout(0.5)  # so stop() ends the accept loop
        self._listener = listener
        self.local_port = listener.getsockname()[1]
        for target in (self._supervise, self._accept):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self.local_port

    def url(self, path: str = "/") -> str:
        return f"http://{self.config.local_host}:{self.local_port}{path}"

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
        if self._client is not None:
            self._client.close()
        for thread in self._threads:
            thread.join(timeout=3)
