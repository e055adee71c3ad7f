"""Who wants which e-mail, and what was sent (so that nothing is sent twice)."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class EventKind(models.TextChoices):
    L2_AWAITS_VALIDATION = "l2_awaits_validation", "An L2 version awaits validation"
    NIGHT_REDUCED = "night_reduced", "A night is reduced (L1 complete)"
    OB_OUTCOME = "ob_outcome", "An OB was executed or failed"
    SUSPECT_CALIBRATOR = "suspect_calibrator", "A suspect calibrator is proposed"


class Preference(models.Model):
    """A user's choice for one kind of event; no row means the default: on (for the roles concerned)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    enabled = models.BooleanField(default=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="uniq_notification_pref")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {'on' if self.enabled else 'off'}"


class MailOptions(models.Model):
    """Per-user delivery options: one daily digest instead of one e-mail per event."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_options")
    daily_digest = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user} digest={self.daily_digest}"


class Delivery(models.Model):
    """One event for one recipient: created once (unique), sent at once or held for the daily digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    key = models.CharField(max_length=120, help_text="Identity of the event, e.g. version:12")
    object_id = models.BigIntegerField()
    tag = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Empty: held for the daily digest")
    dropped = models.CharField(max_length=200, blank=True, help_text="Why a held item was not sent in the digest")

    class Meta:
        ordering = ["-created"]
        constraints = [models.UniqueConstraint(fields=["user", "kind", "key"], name="uniq_notification_delivery")]
        indexes = [models.Index(fields=["sent_at", "user"])]

    def __str__(self) -> str:
        return f"{self.user} {self.key}"
