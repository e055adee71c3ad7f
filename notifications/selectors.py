"""Read side of notifications: a user's choices and what waits for the daily digest."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import QuerySet

from notifications import mail
from notifications.models import Delivery, EventKind, MailOptions, Preference


def preferences_for(*, user) -> dict[str, bool]:
    """Every kind with the user's choice; a kind never set is on (the default for the roles concerned)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "enabled"))
    return {kind: chosen.get(kind, True) for kind in EventKind.values}


def wants(*, user, kind: str) -> bool:
    return not Preference.objects.filter(user=user, kind=kind, enabled=False).exists()


def daily_digest_on(*, user) -> bool:
    return MailOptions.objects.filter(user=user, daily_digest=True).exists()


def deliveries_held() -> QuerySet[Delivery]:
    """Items held for the daily digest and not sent yet (nor dropped), oldest first."""
    return (Delivery.objects.filter(sent_at__isnull=True, dropped="").select_related("user")
            .order_by("user_id", "created"))


def deliveries_recent(*, user, limit: int = 20) -> list[Delivery]:
    return list(Delivery.objects.filter(user=user).order_by("-created")[:limit])


def unsubscribe_subject(*, token: str):
    """(user, kind) named by a signed unsubscribe token, without acting on it; BadSignature when not ours."""
    user_id, kind = mail.unsubscribe_read(token)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise signing.BadSignature("no such user")
    return user, kind
