from django.core.management.base import BaseCommand, CommandError

from archive.integrity import archive_orphans, archive_verify


class Command(BaseCommand):
    help = "Verify every archived file against its SHA-256; list missing or corrupt ones (exit 1 if any)."

    def handle(self, *args, **options):
        checked, problems = archive_verify()
        for p in problems:
            self.stdout.write(f"{p.problem.upper():8} version {p.version_id} {p.label} ({p.path})")
        orphans = archive_orphans()
        for o in orphans:
            self.stdout.write(f"ORPHAN   {o.path} (no version refers to it; {o.age_s / 3600:.1f} h old; "
                              "removed by the archive.orphans_sweep task after the grace period)")
        self.stdout.write(f"{checked} versions checked, {len(problems)} problem(s), {len(orphans)} orphan file(s)")
        if problems:
            raise CommandError(f"{len(problems)} archived file(s) missing or corrupt")
