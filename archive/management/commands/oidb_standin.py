import time

from django.core.management.base import BaseCommand

from archive.standins.obsportal_harvest import ObsPortalHarvester
from archive.standins.oidb import OidbStandin


class Command(BaseCommand):
    help = ("Run the stand-in OiDB (granule API, TAP) on 127.0.0.1 until interrupted; with --harvest, fill its "
            "issp_l0 collection from an ObsPortal-shaped L0 feed the way OiDB does.")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--user", default="", help="require HTTP basic auth with this user (and --password)")
        parser.add_argument("--password", default="")
        parser.add_argument("--harvest", default="",
                            help="feed URL, e.g. http://127.0.0.1:8000/archive/l0/search.votable")
        parser.add_argument("--every", type=float, default=60.0, help="seconds between harvests")

    def handle(self, *args, port, user, password, harvest, every, **options):
        server = OidbStandin(users={user: password} if user else None).start(port=port)
        self.stdout.write(f"stand-in OiDB on {server.url} (ARCHIVE_OIDB_URL), TAP {server.tap_url}; Ctrl-C to stop")
        harvester = ObsPortalHarvester(server.store, harvest) if harvest else None
        try:
            while True:
                if harvester is not None:
                    result = harvester.sync("issp_l0")
                    self.stdout.write(f"issp_l0: {len(result.ids)} granule(s) created or updated, "
                                      f"{len(result.warnings)} warning(s)")
                time.sleep(every if harvester is not None else 3600)
        except KeyboardInterrupt:
            server.stop()
