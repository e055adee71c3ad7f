"""``manage.py ob_tunnel``: forward a local port to the OB server through an ssh gateway."""
from __future__ import annotations

import getpass
import time

from django.core.management.base import BaseCommand, CommandError

from obs_server.tunnel import Tunnel, TunnelConfig


class Command(BaseCommand):
    help = ("Forward 127.0.0.1:<local-port> to the OB server inside the CHARA network through an ssh gateway "
            "(reconnects when the link drops) and print the URL to paste into a2p2.")

    def add_arguments(self, parser):
        parser.add_argument("gateway", help="[user@]host[:port] of the ssh gateway")
        parser.add_argument("--remote-host", default="127.0.0.1", help="OB server host as seen from the gateway")
        parser.add_argument("--remote-port", type=int, default=8000, help="OB server port as seen from the gateway")
        parser.add_argument("--local-port", type=int, default=18000, help="0 = any free port")
        parser.add_argument("--identity", "-i", help="private key file (default: ssh agent / ~/.ssh keys)")
        parser.add_argument("--known-hosts", help="extra known_hosts file for the gateway's host key")
        parser.add_argument("--accept-new-host-key", action="store_true",
                            help="trust an unknown gateway host key (first use only; default: refuse)")
        parser.add_argument("--key", default="", help="your a2p2 secret key (from /ob/upload/) to print the full URL")
        parser.add_argument("--duration", type=float, default=0, help="stop after N seconds (0 = run until Ctrl-C)")

    def handle(self, *args, **opts):
        target = opts["gateway"]
        user, _, hostport = target.rpartition("@")
        host, _, port = hostport.partition(":")
        if not host:
            raise CommandError("gateway must be [user@]host[:port]")
        config = TunnelConfig(
            gateway_host=host, gateway_port=int(port or 22), username=user or getpass.getuser(),
            remote_host=opts["remote_host"], remote_port=opts["remote_port"], local_port=opts["local_port"],
            key_filename=opts["identity"], known_hosts=opts["known_hosts"],
            accept_new_host_key=opts["accept_new_host_key"],
        )
        tunnel = Tunnel(config, on_event=lambda msg: self.stderr.write(msg))
        try:
            tunnel.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on 127.0.0.1:{opts['local_port']}: {exc}")
        path = f"/ob/submit/{opts['key']}/" if opts["key"] else "/ob/submit/<your key from /ob/upload/>/"
        self.stdout.write(f"Forwarding {tunnel.url('/')} -> {host}:{config.gateway_port} -> "
                          f"{config.remote_host}:{config.remote_port}")
        self.stdout.write(f"Paste into a2p2 (CHARA queue server): {tunnel.url(path)}")
        self.stdout.flush()
        if tunnel.wait_connected(config.connect_timeout) is None:
            self.stderr.write("ssh gateway not reachable yet: still retrying")
        started = time.monotonic()
        try:
            while not opts["duration"] or time.monotonic() - started < opts["duration"]:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            tunnel.stop()
