from django.core.management.base import BaseCommand, CommandError

from archive.reconcile import oidb_reconcile


class Command(BaseCommand):
    help = "Compare our OiDB granules with OiDB's TAP service (ObsCore table oidb); exit 1 on differences."

    def add_arguments(self, parser):
        parser.add_argument("--tap-url", default=None, help="default: ARCHIVE_OIDB_TAP_URL")
        parser.add_argument("--collection", default=None, help="default: ARCHIVE_OIDB_COLLECTION")

    def handle(self, *args, tap_url=None, collection=None, **options):
        try:
            r = oidb_reconcile(tap_url=tap_url, collection=collection)
        except Exception as exc:  # noqa: BLE001 - a clear message instead of a traceback
            raise CommandError(f"TAP query failed: {exc}") from exc
        for key in r.missing_remote:
            self.stdout.write(f"MISSING IN OIDB   {key}")
        for key in r.missing_local:
            self.stdout.write(f"UNKNOWN LOCALLY   {key}")
        for key, diff in r.different:
            cols = ", ".join(f"{c}: ours={a!r} oidb={b!r}" for c, (a, b) in diff.items())
            self.stdout.write(f"DIFFERENT         {key}: {cols}")
        for key in r.pending:
            self.stdout.write(f"PENDING           {key}")
        self.stdout.write(f"{r.matching} matching, {len(r.missing_remote)} missing in OiDB, "
                          f"{len(r.missing_local)} unknown locally, {len(r.different)} different, "
                          f"{len(r.pending)} pending")
        if not r.clean:
            raise CommandError("OiDB and the portal differ")
