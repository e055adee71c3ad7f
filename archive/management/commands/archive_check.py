from django.core.management.base import BaseCommand, CommandError

from archive.integrity import archive_verify


class Command(BaseCommand):
    help = "Verify every archived file against its SHA-256; list missing or corrupt ones (exit 1 if any)."

    def handle(self, *args, **options):
        checked, problems = archive_verify()
        for p in problems:
            self.stdout.write(f"{p.problem.upper():8} version {p.version_id} {p.label} ({p.path})")
        self.stdout.write(f"{checked} versions checked, {len(problems)} problem(s)")
        if problems:
            raise CommandError(f"{len(problems)} archived file(s) missing or corrupt")
