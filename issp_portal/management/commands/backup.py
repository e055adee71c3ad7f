from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from domain.errors import ApplicationError
from issp_portal.backup import backup_create


class Command(BaseCommand):
    help = "Back up the database content and the archive folder into an empty DESTINATION folder."

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path)

    def handle(self, *args, destination: Path, **options):
        try:
            result = backup_create(destination=destination)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.errors}")
        self.stdout.write(self.style.SUCCESS(f"Backed up the database and {result['files']} archive files "
                                             f"to {result['destination']}"))
