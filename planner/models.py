"""A night plan: one program's share of one night, as an ordered, editable CAL-SCI-CAL list."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class NightPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent to the queue"

    night = models.ForeignKey("surveys.Night", on_delete=models.CASCADE, related_name="plans")
    program = models.ForeignKey("surveys.Program", on_delete=models.CASCADE, related_name="night_plans")
    instrument = models.CharField(max_length=20)
    mode = models.CharField(max_length=20)
    fraction = models.FloatField(help_text="Share of the night planned (0-1)")
    night_start = models.DateTimeField(help_text="End of evening astronomical twilight (UTC)")
    night_end = models.DateTimeField(help_text="Start of morning astronomical twilight (UTC)")
    share_start = models.DateTimeField()
    share_end = models.DateTimeField()
    params = models.JSONField(default=dict, help_text="Constraints and durations used")
    candidates = models.JSONField(default=list, help_text="Scored candidates as shown when planned")
    uncalibratable = models.JSONField(default=list, help_text="[{target_id, name, reason}]")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.night} {self.program} {self.instrument} {self.mode}"


class NightPlanItem(models.Model):
    """One CAL-SCI-CAL block; `position` orders the blocks, start/end are recomputed after each edit."""

    plan = models.ForeignKey(NightPlan, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    target = models.ForeignKey("surveys.Target", on_delete=models.PROTECT, related_name="+")
    calibrator = models.ForeignKey("surveys.Calibrator", on_delete=models.PROTECT, related_name="+")
    calibrator_2 = models.ForeignKey("surveys.Calibrator", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    calibrator_reasons = models.JSONField(default=list, help_text="One reason per chosen calibrator")
    score = models.FloatField(null=True, blank=True)
    score_components = models.JSONField(default=dict, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    ob = models.ForeignKey("obs_server.ObservingBlock", null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="uniq_plan_position"),
                       models.UniqueConstraint(fields=["plan", "target"], name="uniq_plan_target")]

    def __str__(self) -> str:
        return f"{self.plan_id}#{self.position} {self.target}"
