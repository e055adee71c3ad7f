import time

from django.core.management.base import BaseCommand

from archive.standins.oidb import OidbStandin


class Command(BaseCommand):
    help = "Run the stand-in OiDB (granule API, TAP, ObsPortal L0 feed) on 127.0.0.1 until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--user", default="", help="require HTTP basic auth with this user (and --password)")
        parser.add_argument("--password", default="")

    def handle(self, *args, port, user, password, **options):
        server = OidbStandin(users={user: password} if user else None).start(port=port)
        self.stdout.write(f"stand-in OiDB on {server.url} (ARCHIVE_OIDB_URL), TAP {server.tap_url}, "
                          f"ObsPortal {server.obsportal_url}; Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            server.stop()
