"""`manage.py sync_spica_catalog [--dry-run]`: read the JMMC catalog and apply (or print) the changes."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from domain.errors import ApplicationError
from surveys.jmmc.delegations import catalog_full_sync


class Command(BaseCommand):
    help = "Sync the portal's targets, priorities, goals and delegations with the JMMC catalog."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        try:
            result = catalog_full_sync(dry_run=dry_run)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.errors or ''}".strip())
        prefix = "would change" if dry_run else "changed"
        counts = ", ".join(f"{k}={v}" for k, v in result.plan.counts().items())
        self.stdout.write(f"{'DRY RUN: ' if dry_run else ''}{prefix}: {counts}")
        for line in result.report:
            self.stdout.write(f"  {line}")
        if not result.report:
            self.stdout.write("  nothing to do: the portal agrees with the catalog")
