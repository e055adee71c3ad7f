"""Write side of publishing: outbox messages (same transaction as the change) and their delivery.

A message is written with the product change; `transaction.on_commit` queues the
Celery task, which calls `outbox_deliver`. The remote id of each record is kept
in RemoteRecord, so a re-send is a PUT (update) and never a second POST.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from archive.clients.oidb import RemoteRejected, RemoteUnavailable
from archive.exporters.base import enabled_destinations, exporter_for
from archive.models import OutboxMessage, RemoteRecord


@dataclass(frozen=True)
class Delivery:
    state: str  # sent | rejected | superseded | retry | skipped
    retry_in: float | None = None
    detail: str = ""


def _queue(message_id: int) -> None:
    from archive.tasks import outbox_deliver_task

    transaction.on_commit(lambda: outbox_deliver_task.delay(message_id))


def outbox_enqueue(*, destination: str, payload: dict, product=None) -> OutboxMessage:
    """Write one message; the caller's transaction decides whether it exists (never half-stored)."""
    exporter = exporter_for(destination)
    message = OutboxMessage.objects.create(
        destination=destination, action="upsert", dedup_key=exporter.dedup_key(payload), payload=payload,
        endpoint=exporter.endpoint, product=product)
    _queue(message.pk)
    return message


def version_publish(*, version) -> list[OutboxMessage]:
    """Queue the granule of `version` to every enabled destination: validated L2 to OiDB, L1 to OiDB-beta."""
    kind = "l1" if version.product.calib_level == 1 else "version"
    return [outbox_enqueue(destination=d, payload=exporter_for(d).serialize_version(version), product=version.product)
            for d in enabled_destinations(kind)]


def l0_publish(*, records) -> list[OutboxMessage]:
    """Queue L0 records (pipelines.L0Record) to OiDB as calib_level 0 granules when ARCHIVE_PUSH_L0; safe to repeat.

    The usual path is the other way round: OiDB harvests the portal's L0 feed (pipelines.l0_feed)."""
    messages = []
    with transaction.atomic():
        for record in records:
            for destination in enabled_destinations("l0"):
                payload = exporter_for(destination).serialize_l0(record)
                messages.append(outbox_enqueue(destination=destination, payload=payload))
    return messages


def _backoff(attempts: int) -> float:
    return min(settings.ARCHIVE_PUSH_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), 600.0)


def outbox_deliver(*, message_id: int) -> Delivery:
    """Deliver one message; a newer message for the same record supersedes it (latest wins)."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.state != OutboxMessage.State.PENDING:
            return Delivery("skipped", detail="not pending")
        newer = OutboxMessage.objects.filter(destination=message.destination, dedup_key=message.dedup_key,
                                             pk__gt=message.pk).exclude(state=OutboxMessage.State.REJECTED)
        if newer.exists():
            message.state, message.last_error = OutboxMessage.State.SENT, "superseded by a newer message"
            message.sent_at = timezone.now()
            message.save(update_fields=["state", "last_error", "sent_at"])
            return Delivery("superseded")
        record, _ = RemoteRecord.objects.select_for_update().get_or_create(
            destination=message.destination, dedup_key=message.dedup_key, defaults={"remote_id": ""})
        exporter = exporter_for(message.destination, endpoint=message.endpoint or None)
        message.attempts += 1
        try:
            remote_id = record.remote_id or None
            if remote_id is None and message.attempts > 1:  # an earlier attempt may have reached the remote
                remote_id = exporter.find_remote(message.payload)
            try:
                remote_id = exporter.push(message.payload, remote_id=remote_id)
            except RemoteRejected as exc:
                if exc.status != 404 or not remote_id:
                    raise
                remote_id = exporter.push(message.payload, remote_id=None)  # deleted remotely: create again
        except RemoteRejected as exc:
            message.state, message.http_status, message.last_error = (
                OutboxMessage.State.REJECTED, exc.status, exc.message)
            message.save(update_fields=["state", "http_status", "last_error", "attempts"])
            return Delivery("rejected", detail=exc.message)
        except RemoteUnavailable as exc:
            wait = _backoff(message.attempts)
            message.http_status, message.last_error = exc.status, str(exc)
            message.next_attempt_at = timezone.now() + timezone.timedelta(seconds=wait)
            message.save(update_fields=["http_status", "last_error", "attempts", "next_attempt_at"])
            return Delivery("retry", retry_in=wait, detail=str(exc))
        record.remote_id = remote_id
        record.payload_sha256 = hashlib.sha256(json.dumps(message.payload, sort_keys=True).encode()).hexdigest()
        record.save(update_fields=["remote_id", "payload_sha256", "updated"])
        message.state, message.remote_id, message.sent_at = OutboxMessage.State.SENT, remote_id, timezone.now()
        message.http_status, message.last_error = None, ""
        message.save(update_fields=["state", "remote_id", "sent_at", "attempts", "http_status", "last_error"])
        return Delivery("sent", detail=remote_id)


def outbox_flush(*, now=None) -> int:
    """Re-queue pending messages whose retry time has passed (rescues tasks lost with a broker)."""
    now = now or timezone.now()
    due = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).exclude(next_attempt_at__gt=now)
    ids = list(due.values_list("pk", flat=True))
    with transaction.atomic():
        for pk in ids:
            _queue(pk)
    return len(ids)


def outbox_retry_rejected(*, message_id: int) -> OutboxMessage:
    """A data manager fixed the cause of a 4xx: send the record again (fresh payload from the product)."""
    message = OutboxMessage.objects.select_related("product__current_version").get(pk=message_id)
    with transaction.atomic():
        if message.product is not None and message.product.current_version is not None:
            payload = exporter_for(message.destination).serialize_version(message.product.current_version)
        else:
            payload = message.payload
        return outbox_enqueue(destination=message.destination, payload=payload, product=message.product)
