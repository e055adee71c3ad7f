"""Create the demo survey (dev only): programs, nights, targets, calibrators, users."""
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from surveys.demo import DEMO_PASSWORD, DEMO_USERS

# Each app adds its demo data after the survey exists; a missing module is skipped.
DEMO_STEPS = ["surveys.demo", "obs_server.demo", "pipelines.demo", "archive.demo", "planner.demo",
              "pipelines.calibration.demo", "pipelines.performance.demo", "pipelines.analysis.demo"]


class Command(BaseCommand):
    help = "Load a small, believable 2024A survey (dev only: prints the demo users' passwords)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("load_demo creates users with a known password: refused with DEBUG off.")
        for step in DEMO_STEPS:
            try:
                module = import_module(step)
            except ModuleNotFoundError as exc:
                if exc.name == step:
                    continue
                raise
            summary = module.load()
            self.stdout.write(f"{step}: {summary}")
        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {DEMO_PASSWORD}):"))
        for username, role, program in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {role:<13} {program or 'all programs'}")
