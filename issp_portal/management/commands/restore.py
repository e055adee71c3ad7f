from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from domain.errors import ApplicationError
from issp_portal.backup import backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into this empty, migrated instance (verifies checksums)."

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path)

    def handle(self, *args, source: Path, **options):
        try:
            result = backup_restore(source=source)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.errors}")
        self.stdout.write(self.style.SUCCESS(f"Restored the database and {result['files']} archive files."))
