"""ob_tunnel against a real OpenSSH server on a loopback port, with a generated key."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import paramiko
import pytest
import requests

from obs_server.tunnel import Tunnel, TunnelConfig
from tests.conftest import ROOT, free_port

pytestmark = [pytest.mark.sshd, pytest.mark.timeout(120)]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        body = json.dumps({"service": "stand-in OB server", "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def ob_server():
    """A real HTTP server on loopback standing for the OB server behind the gateway."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def sshd(tmp_path):
    """Debian's sshd on a free loopback port, accepting one generated RSA key."""
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory sshd insists on
    host_key = paramiko.RSAKey.generate(2048)
    host_key.write_private_key_file(str(tmp_path / "host_key"))
    os.chmod(tmp_path / "host_key", 0o600)
    user_key = paramiko.RSAKey.generate(2048)
    user_key.write_private_key_file(str(tmp_path / "id_rsa"))
    (tmp_path / "authorized_keys").write_text(f"ssh-rsa {user_key.get_base64()} test\n")
    port = free_port()
    (tmp_path / "known_hosts").write_text(f"[127.0.0.1]:{port} ssh-rsa {host_key.get_base64()}\n")
    config = tmp_path / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {tmp_path / 'host_key'}",
        f"PidFile {tmp_path / 'sshd.pid'}", f"AuthorizedKeysFile {tmp_path / 'authorized_keys'}",
        "StrictModes no", "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes", "AllowTcpForwarding yes", "PermitRootLogin prohibit-password",
        "LogLevel VERBOSE", "",
    ]))
    log = open(tmp_path / "sshd.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)], stderr=log)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            import socket

            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.terminate()
        pytest.fail(f"sshd did not start: {(tmp_path / 'sshd.log').read_text()}")
    yield {"port": port, "proc": proc, "key": str(tmp_path / "id_rsa"), "known_hosts": str(tmp_path / "known_hosts"),
           "log": tmp_path / "sshd.log"}
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def _session_children(pid: int) -> list[int]:
    """The per-connection sshd processes (children of the listener)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _config(sshd, remote_port: int) -> TunnelConfig:
    import getpass

    return TunnelConfig(gateway_host="127.0.0.1", gateway_port=sshd["port"], username=getpass.getuser(),
                        key_filename=sshd["key"], known_hosts=sshd["known_hosts"], remote_port=remote_port,
                        retry_delays=(0.2, 0.5, 1))


def test_tunnel_forwards_and_reconnects_after_link_drop(sshd, ob_server):
    events: list[str] = []
    tunnel = Tunnel(_config(sshd, ob_server), on_event=events.append)
    tunnel.start()
    try:
        r = requests.get(tunnel.url("/ob/submit/abc/"), timeout=10)
        assert r.status_code == 200 and r.json() == {"service": "stand-in OB server", "path": "/ob/submit/abc/"}
        assert tunnel.connects == 1
        for pid in _session_children(sshd["proc"].pid):  # drop the link: kill the ssh session server-side
            os.kill(pid, signal.SIGTERM)
        deadline = time.time() + 20
        while tunnel.connects < 2 and time.time() < deadline:
            time.sleep(0.1)
        assert tunnel.connects == 2, events
        assert any("link lost" in e for e in events)
        r = requests.get(tunnel.url("/again"), timeout=10)
        assert r.json()["path"] == "/again"
    finally:
        tunnel.stop()


def test_unknown_host_key_refused(sshd, ob_server, tmp_path):
    config = _config(sshd, ob_server)
    config.known_hosts = None
    events: list[str] = []
    tunnel = Tunnel(config, on_event=events.append)
    tunnel.start()
    try:
        assert tunnel.wait_connected(2) is None
        assert any("not found in known_hosts" in e or "connection failed" in e for e in events)
    finally:
        tunnel.stop()


def test_command_prints_url_for_a2p2(sshd, ob_server):
    import getpass

    cmd = [sys.executable, "manage.py", "ob_tunnel", f"{getpass.getuser()}@127.0.0.1:{sshd['port']}",
           "--identity", sshd["key"], "--known-hosts", sshd["known_hosts"], "--remote-port", str(ob_server),
           "--local-port", "0", "--key", "SECRET123", "--duration", "30"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for _ in range(5):
            line = proc.stdout.readline()
            match = re.search(r"Paste into a2p2 \(CHARA queue server\): (http://127\.0\.0\.1:\d+/ob/submit/SECRET123/)",
                              line)
            if match:
                url = match.group(1)
                break
        assert url, "no URL printed"
        r = requests.get(url, timeout=15)
        assert r.json()["path"] == "/ob/submit/SECRET123/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
