"""Import targets from CSV lists and Aspro2 OB files (.obxml)."""
from django.core.management.base import BaseCommand, CommandError

from domain.errors import ValidationFailed
from surveys.imports import import_file


class Command(BaseCommand):
    help = "Import targets from .csv and .obxml files (calibrators of an OB go to the calibrator catalog)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--program", help="Program code the targets join (must exist).")

    def handle(self, *args, files: list[str], program: str | None = None, **options):
        failed = []
        for path in files:
            try:
                report = import_file(path, program=program)
            except (ValidationFailed, OSError) as exc:
                errors = getattr(exc, "errors", {}) or {}
                details = "".join(f"\n  {where}: {why}" for where, why in errors.items())
                self.stderr.write(f"{path}: {getattr(exc, 'message', exc)}{details}")
                failed.append(path)
                continue
            self.stdout.write(self.style.SUCCESS(f"{path}: {report.summary()}"))
        if failed:
            raise CommandError(f"{len(failed)} file(s) not imported: {', '.join(failed)}")
