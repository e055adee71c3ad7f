"""Celery tasks of archive/: deliver outbox messages (queue: CELERY_TASK_ROUTES), with retries and backoff."""
from __future__ import annotations

from celery import shared_task

from django.conf import settings

from archive import publishing


@shared_task(bind=True, name="archive.outbox_deliver", max_retries=None, acks_late=True)
def outbox_deliver_task(self, message_id: int) -> str:
    result = publishing.outbox_deliver(message_id=message_id)
    if result.state == "retry":
        if self.request.is_eager:  # in-process mode: never block a web request; outbox_flush re-queues
            return "pending"
        if self.request.retries + 1 >= settings.ARCHIVE_PUSH_MAX_ATTEMPTS:
            return "pending (gave up for now; archive.outbox_flush re-queues it)"
        raise self.retry(countdown=result.retry_in)
    return result.state


@shared_task(name="archive.outbox_flush")
def outbox_flush_task() -> int:
    """Periodic (beat): re-queue pending messages whose retry time has come."""
    return publishing.outbox_flush()


@shared_task(name="archive.orphans_sweep")
def orphans_sweep_task() -> int:
    """Periodic (beat): delete archive files no version refers to, once older than the grace period."""
    from archive.integrity import archive_orphans_sweep

    return len(archive_orphans_sweep())
