"""Write side of the OB server's credentials: secret submission keys (a2p2's URL) and API tokens.

A raw secret is shown once and never stored: keys keep a hash and a short hint.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from domain.errors import PermissionRefused
from obs_server import selectors
from obs_server.models import ObSubmitKey

if TYPE_CHECKING:
    from surveys.models import Program


def submit_key_create(*, user, program: Program | None = None) -> tuple[ObSubmitKey, str]:
    """A new secret for ``/ob/submit/<key>/``; the raw key is returned once and never stored."""
    if program is not None and not selectors.can(user=user, program=program, roles=selectors.SUBMIT_ROLES):
        raise PermissionRefused(f"you may not submit OBs to {program.code}")
    raw = secrets.token_urlsafe(24)
    key = ObSubmitKey.objects.create(user=user, program=program, hint=raw[:6],
                                     key_hash=hashlib.sha256(raw.encode()).hexdigest())
    return key, raw


def submit_key_resolve(*, raw_key: str, use: bool = False) -> ObSubmitKey:
    """The live key behind a secret URL (PermissionRefused if unknown or revoked); `use` stamps last_used."""
    found = selectors.submit_key_lookup(raw_key=raw_key)
    if found is None:
        raise PermissionRefused("unknown or revoked submission key: create a new one at /ob/upload/")
    if use:
        ObSubmitKey.objects.filter(pk=found.pk).update(last_used=timezone.now())
    return found


def submit_key_revoke(*, key: ObSubmitKey, by) -> None:
    if key.user_id != by.pk and not by.is_staff:
        raise PermissionRefused("only the owner or staff may revoke this key")
    ObSubmitKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def api_token_rotate(*, user) -> None:
    """A new API token for the SPICA client / scripts; the old one stops working at once."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    Token.objects.create(user=user)
