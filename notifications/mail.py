"""The e-mail itself: plain text plus a small HTML part, links to the portal, a signed unsubscribe link.

The unsubscribe token is signed with SECRET_KEY (django.core.signing) and names one user and one
kind: following it switches that kind off with no login (and mail clients may POST it, RFC 8058).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from notifications.models import EventKind

SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Item:
    kind: str
    subject: str
    lines: list[str]
    url: str
    unsubscribe_url: str

    @property
    def kind_label(self) -> str:
        return EventKind(self.kind).label


def absolute(path: str) -> str:
    """A portal path as a link that works from a mailbox (the portal's public base URL)."""
    return settings.ARCHIVE_PUBLIC_BASE_URL.rstrip("/") + path


def unsubscribe_token(*, user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=SALT, compress=False)


def unsubscribe_read(token: str) -> tuple[int, str]:
    """(user id, kind) of a token; signing.BadSignature when forged, altered or of another kind."""
    data = signing.loads(token, salt=SALT)
    if not isinstance(data, dict) or data.get("k") not in EventKind.values or not isinstance(data.get("u"), int):
        raise signing.BadSignature("not an unsubscribe token")
    return data["u"], data["k"]


def unsubscribe_url(*, user, kind: str) -> str:
    return absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(user=user, kind=kind)]))


def item_for(*, user, kind: str, subject: str, lines: list[str], path: str) -> Item:
    return Item(kind, subject, lines, absolute(path), unsubscribe_url(user=user, kind=kind))


def message_build(*, user, subject: str, items: list[Item], digest: bool = False) -> EmailMultiAlternatives:
    context = {"user": user, "items": items, "digest": digest,
               "settings_url": absolute(reverse("notifications:settings"))}
    msg = EmailMultiAlternatives(
        subject=f"[ISSP] {subject}", body=render_to_string("notifications/mail.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email])
    msg.attach_alternative(render_to_string("notifications/mail.html", context), "text/html")
    if len(items) == 1:  # one-click unsubscribe from the mail client (RFC 2369 / RFC 8058)
        msg.extra_headers["List-Unsubscribe"] = f"<{items[0].unsubscribe_url}>"
        msg.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return msg
