"""Celery tasks of notifications/ (queue: CELERY_TASK_ROUTES): one event's e-mails, the daily digest."""
from __future__ import annotations

import smtplib

from celery import shared_task

from notifications import services


@shared_task(bind=True, name="notifications.send", acks_late=True, max_retries=6,
             autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=30, retry_jitter=True)
def notification_send_task(self, kind: str, object_id: int, tag: str = "") -> int:
    """E-mail one event; a mail-server error retries (recipients already served are not mailed again)."""
    return len(services.event_notify(kind=kind, object_id=object_id, tag=tag))


@shared_task(name="notifications.digest")
def notification_digest_task() -> int:
    """Periodic (beat, daily): held items, one e-mail per user."""
    return services.digest_send()
