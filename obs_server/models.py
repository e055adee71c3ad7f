"""Observing blocks received from a2p2 and their queue lifecycle."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class ObservingBlock(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        QUEUED = "queued", "Queued"
        CLAIMED = "claimed", "Claimed"
        EXECUTING = "executing", "Executing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        ABORTED = "aborted", "Aborted"
        CANCELLED = "cancelled", "Cancelled"

    program = models.ForeignKey("surveys.Program", on_delete=models.PROTECT, related_name="obs")
    target = models.ForeignKey(
        "surveys.Target", null=True, blank=True, on_delete=models.SET_NULL, related_name="obs"
    )
    night = models.ForeignKey(
        "surveys.Night", null=True, blank=True, on_delete=models.SET_NULL, related_name="obs",
        help_text="Empty = any night",
    )
    name = models.CharField(max_length=200)
    instrument = models.CharField(max_length=20)
    mode = models.CharField(max_length=20)
    stations = models.CharField(max_length=60, blank=True)
    payload = models.JSONField(help_text="The OB as a2p2's OB.as_dict() sends it")
    content_hash = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED, db_index=True)
    priority = models.SmallIntegerField(default=0, help_text="Operator adjustment; higher goes first")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)
    warnings = models.JSONField(default=list, blank=True)
    summary = models.CharField(max_length=400, blank=True, help_text="One line shown to a2p2 and operators")
    # Copied from the first SCIENCE target at submission so the queue is ranked without parsing payloads.
    ra_deg = models.FloatField(null=True, blank=True)
    dec_deg = models.FloatField(null=True, blank=True)
    ha_min = models.FloatField(null=True, blank=True, help_text="Hour-angle window start (h)")
    ha_max = models.FloatField(null=True, blank=True, help_text="Hour-angle window end (h)")

    class Meta:
        ordering = ["-priority", "submitted_at"]
        indexes = [models.Index(fields=["state", "night"], name="ob_state_night")]
        constraints = [
            models.UniqueConstraint(fields=["program", "content_hash"], name="uniq_ob_program_hash")
        ]

    def __str__(self) -> str:
        return f"OB {self.pk} {self.name}"


class ObTransition(models.Model):
    """Every state change of an OB: who (user or client), when, why."""

    ob = models.ForeignKey(ObservingBlock, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    client = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.ob_id}: {self.from_state} -> {self.to_state}"


class ObSubmitKey(models.Model):
    """A revocable secret URL segment (``/ob/submit/<key>/``) for a2p2, which cannot send headers.

    Only the SHA-256 of the key is stored; the key itself is shown once, when created.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ob_submit_keys")
    program = models.ForeignKey(
        "surveys.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="OBs sent with this key go to this program (empty: the user's only program, or ?program=)",
    )
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=8, help_text="First characters, to recognise the key")
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user} {self.hint}... {'revoked' if self.revoked_at else 'active'}"
