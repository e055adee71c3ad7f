"""Celery tasks of notifications/ (queue: CELERY_TASK_ROUTES): one event's e-mails, the daily digest."""
from __future__ import annotations

import logging
import smtplib

from celery import shared_task

from notifications import services

log = logging.getLogger(__name__)
MAX_RETRIES = 6


@shared_task(bind=True, name="notifications.send", acks_late=True, max_retries=MAX_RETRIES)
def notification_send_task(self, kind: str, object_id: int, tag: str = "") -> int:
    """E-mail one event; a mail-server error retries with backoff (recipients already served are not mailed
    again). In-process mode (no broker) logs it instead: a web request never waits through the retries."""
    try:
        return len(services.event_notify(kind=kind, object_id=object_id, tag=tag))
    except (smtplib.SMTPException, OSError) as exc:
        if self.request.is_eager:
            log.error("notification %s %s not sent: %s", kind, object_id, exc)
            return 0
        raise self.retry(exc=exc, countdown=30 * 2 ** self.request.retries)


@shared_task(name="notifications.digest")
def notification_digest_task() -> int:
    """Periodic (beat, daily): held items, one e-mail per user."""
    return services.digest_send()
