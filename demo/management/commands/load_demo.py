"""Create the demo survey (dev only): programs, nights, targets, calibrators, users, then each app's data."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import analysis, calibration, ingest, ob_queue, performance, plans, products, survey

# In order: each step adds its app's data to what the steps before it made.
DEMO_STEPS = [survey, ob_queue, ingest, products, plans, calibration, performance, analysis]


class Command(BaseCommand):
    help = "Load a small, believable survey around today (dev only: prints the demo users' passwords)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("load_demo creates users with a known password: refused with DEBUG off.")
        for step in DEMO_STEPS:
            summary = step.load()
            self.stdout.write(f"{step.__name__}: {summary}")
        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {survey.DEMO_PASSWORD}):"))
        for username, role, program in survey.DEMO_USERS:
            self.stdout.write(f"  {username:<12} {role:<13} {program or 'all programs'}")
