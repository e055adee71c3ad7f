"""Import calibrators from a JSDC export (CSV or VOTable)."""
from django.core.management.base import BaseCommand, CommandError

from domain.errors import ValidationFailed
from surveys.imports import import_jsdc


class Command(BaseCommand):
    help = "Import JSDC calibrators (VizieR II/346 export as .csv or .vot/.xml); all-or-nothing per file."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            report = import_jsdc(file)
        except ValidationFailed as exc:
            details = "\n".join(f"  {where}: {why}" for where, why in exc.errors.items())
            raise CommandError(f"{file}: {exc.message}\n{details}")
        self.stdout.write(self.style.SUCCESS(f"{file}: {report.summary()}"))
