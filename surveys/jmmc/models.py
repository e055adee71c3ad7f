"""Sync state of the JMMC catalog: the last-read copy of each row and each sync run.

The last-read copy is what a write-back compares against (the portal refuses to
overwrite a value that changed remotely since it was read). No credential is
ever stored here.
"""
from __future__ import annotations

import uuid

from django.db import models

from domain import runs


class CatalogRow(models.Model):
    """One row of the remote catalog as the portal last read it."""

    catalog = models.CharField(max_length=60)
    row_id = models.CharField(max_length=40)
    target = models.ForeignKey(
        "surveys.Target", null=True, blank=True, on_delete=models.SET_NULL, related_name="jmmc_rows"
    )
    values = models.JSONField(default=dict, help_text="The remote columns as last read")
    last_read = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True, help_text="Missing from the catalog since")
    renamed_from = models.CharField(max_length=80, blank=True, help_text="Portal name kept after a remote rename")

    class Meta:
        ordering = ["catalog", "row_id"]
        constraints = [models.UniqueConstraint(fields=["catalog", "row_id"], name="uniq_jmmc_catalog_row")]

    def __str__(self) -> str:
        return f"{self.catalog}/{self.row_id} {self.values.get('name', '')}"

    @property
    def remote_name(self) -> str:
        return str(self.values.get("name") or "")

    @property
    def remote_priority(self) -> int | None:
        return self.values.get("priority_pi")


class SyncRun(models.Model):
    """One sync of the catalog and its report (what changed, what needs a person).

    Its phases and stale rule are those of every run (``domain.runs``).
    """

    class Phase(models.TextChoices):
        PENDING = runs.PENDING, "Pending"
        RUNNING = runs.RUNNING, "Running"
        COMPLETED = runs.COMPLETED, "Completed"
        FAILED = runs.FAILED, "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    catalog = models.CharField(max_length=60)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.RUNNING)
    started = models.DateTimeField(auto_now_add=True)
    ended = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True, help_text="last sign of life of the sync")
    counts = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=list, blank=True, help_text="One line per change or problem")
    error_summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-started"]

    def __str__(self) -> str:
        return f"{self.catalog} sync {self.started:%Y-%m-%d %H:%M} {self.phase}"
