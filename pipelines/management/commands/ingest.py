"""`manage.py ingest PATH...`: the same work as the beat task, on the given files or folders."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pipelines import services


class Command(BaseCommand):
    help = "Ingest raw files (files or folders; default RAW_ROOT): register, consolidate, L0, then L1-reduce."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="files or folders (default: RAW_ROOT)")
        parser.add_argument("--no-reduce", action="store_true", help="stop after ingest (no L1 run)")

    def handle(self, *args, paths: list[str], no_reduce: bool = False, **options):
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            raise CommandError(f"no such file or folder: {', '.join(missing)}")
        run = services.ingest_run_create(paths=[str(Path(p).resolve()) for p in paths] or None,
                                         reduce=not no_reduce, enqueue=False)
        run = services.ingest_run_execute(run=run)
        report = run.report
        self.stdout.write(f"ingest run {run.pk}: {report['new']} new, {report['known']} already known, "
                          f"{report['quarantined']} quarantined, {report['errors']} errors")
        for name, outcome in report["files"].items():
            if outcome.startswith("quarantined"):
                self.stdout.write(f"  {Path(name).name}: {outcome}")
        for run_id in report.get("l1_runs", []):
            self.stdout.write(f"L1 run {run_id} queued")
