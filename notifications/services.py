"""Write side of notifications: queue an event after commit, e-mail each recipient once, settings.

The chain's hand-offs call `notify_later` (issp_portal/chain.py): the task `notifications.send`
is queued by `transaction.on_commit`, so nothing is sent for a write that rolls back, and a
slow or failing mail server never holds the writer's transaction. `event_notify` records one
Delivery per (recipient, kind, event key) before sending, under a unique constraint, so a
redelivered task or a second trigger of the same event sends nothing twice.
"""
from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from notifications import mail, selectors
from notifications.events import Event, event_build
from notifications.models import Delivery, EventKind, MailOptions, Preference

log = logging.getLogger(__name__)


def notify_later(*, kind: str, object_id: int, tag: str = "") -> None:
    """Queue the e-mails of one event once the current transaction commits (never inside it)."""
    if kind not in EventKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")

    def queue() -> None:
        from notifications.tasks import notification_send_task

        try:
            notification_send_task.delay(kind, int(object_id), str(tag))
        except Exception:  # a broker outage must not break the chain step that just committed
            log.exception("could not queue notification %s %s", kind, object_id)

    transaction.on_commit(queue)


def event_notify(*, kind: str, object_id: int, tag: str = "") -> list[Delivery]:
    """E-mail (or hold for the digest) one event to each recipient who wants it and may read it."""
    event = event_build(kind=kind, object_id=object_id, tag=tag)
    if event is None:
        return []
    out = []
    for user in event.recipients:
        if not selectors.wants(user=user, kind=kind):
            continue
        lines = event.lines_for(user)
        if lines is None:  # the access policy says no: no e-mail about data they may not read
            continue
        delivery = _deliver(user=user, event=event, lines=lines)
        if delivery is not None:
            out.append(delivery)
    return out


def _deliver(*, user, event: Event, lines: list[str]) -> Delivery | None:
    held = selectors.daily_digest_on(user=user)
    with transaction.atomic():
        delivery, created = Delivery.objects.get_or_create(
            user=user, kind=event.kind, key=event.key,
            defaults={"object_id": event.object_id, "tag": event.tag, "subject": event.subject[:300],
                      "url": event.path[:500]})
        if not created:
            return None  # already sent (or held): never twice
        if not held:
            item = mail.item_for(user=user, kind=event.kind, subject=event.subject, lines=lines, path=event.path)
            mail.message_build(user=user, subject=event.subject, items=[item]).send()  # raises: row rolled back
            Delivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
    return delivery


def digest_send(*, now=None) -> int:
    """Send each user their held items in one e-mail; returns the number of e-mails sent.

    Each item is rebuilt and the access policy asked again: what a user may no longer read, or no
    longer needs (reviewed, withdrawn), or switched off since, is dropped with the reason.
    """
    now = now or timezone.now()
    by_user: dict[int, list[Delivery]] = {}
    for d in selectors.deliveries_held():
        by_user.setdefault(d.user_id, []).append(d)
    sent = 0
    for rows in by_user.values():
        user = rows[0].user
        items, keep = [], []
        for d in rows:
            reason, item = _digest_item(user, d)
            if reason:
                Delivery.objects.filter(pk=d.pk).update(dropped=reason)
            else:
                items.append(item)
                keep.append(d.pk)
        if not items:
            continue
        with transaction.atomic():
            Delivery.objects.filter(pk__in=keep).update(sent_at=now)
            mail.message_build(user=user, subject=f"Daily digest: {len(items)} event(s)", items=items,
                               digest=True).send()
        sent += 1
    return sent


def _digest_item(user, d: Delivery) -> tuple[str, mail.Item | None]:
    if not user.is_active or not user.email:
        return "no active address", None
    if not selectors.wants(user=user, kind=d.kind):
        return "switched off", None
    event = event_build(kind=d.kind, object_id=d.object_id, tag=d.tag)
    if event is None:
        return "no longer pending", None
    if user not in event.recipients:
        return "role no longer held", None
    lines = event.lines_for(user)
    if lines is None:
        return "access refused", None
    return "", mail.item_for(user=user, kind=d.kind, subject=event.subject, lines=lines, path=event.path)


@transaction.atomic
def preferences_set(*, user, enabled: dict[str, bool], daily_digest: bool) -> None:
    """Store the user's choice for each kind (unknown kinds are refused by name) and the digest option."""
    unknown = set(enabled) - set(EventKind.values)
    if unknown:
        raise ValueError(f"unknown notification kind(s): {', '.join(sorted(unknown))}")
    for kind, on in enabled.items():
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"enabled": bool(on)})
    MailOptions.objects.update_or_create(user=user, defaults={"daily_digest": bool(daily_digest)})


def unsubscribe(*, token: str):
    """Switch off the kind named by a signed token; returns (user, kind). BadSignature when not ours."""
    user, kind = selectors.unsubscribe_subject(token=token)
    Preference.objects.update_or_create(user=user, kind=kind, defaults={"enabled": False})
    return user, kind
