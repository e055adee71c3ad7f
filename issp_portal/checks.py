"""Deployment checks of the portal (`manage.py check --deploy`): what production must configure."""
from __future__ import annotations

from django.conf import settings
from django.core import checks

NOT_DELIVERED = ("console", "locmem", "filebased", "dummy")


@checks.register(checks.Tags.security, deploy=True)
def email_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Password-reset links must reach the user's mailbox, never the production log."""
    if settings.DEBUG:
        return []
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2] if "." in settings.EMAIL_BACKEND else ""
    if settings.EMAIL_DISABLED:
        return [] if backend in ("dummy", "smtp") else [checks.Error(
            f"EMAIL_DISABLED=true but EMAIL_BACKEND is {settings.EMAIL_BACKEND}.",
            hint="Unset EMAIL_BACKEND: with EMAIL_DISABLED the portal sends no mail at all.", id="issp.E002")]
    if backend in NOT_DELIVERED:
        return [checks.Error(
            f"EMAIL_BACKEND {settings.EMAIL_BACKEND} does not deliver mail: password-reset links would be "
            "written to the log.", hint="Set EMAIL_HOST (and EMAIL_HOST_USER / EMAIL_HOST_PASSWORD), or "
            "EMAIL_DISABLED=true to run without e-mail.", id="issp.E001")]
    if backend == "smtp" and not settings.EMAIL_HOST:
        return [checks.Error(
            "DEBUG is off and no SMTP server is configured.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS), or "
            "EMAIL_DISABLED=true to run without e-mail.", id="issp.E003")]
    return []


@checks.register(checks.Tags.caches, deploy=True)
def cache_shared(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Login throttling counts failures in the cache: a per-process cache multiplies the allowed tries."""
    backend = settings.CACHES["default"]["BACKEND"]
    if not settings.DEBUG and backend.endswith(("locmem.LocMemCache", "dummy.DummyCache")):
        return [checks.Error(f"The default cache ({backend}) is not shared between workers.",
                             hint="Unset CACHE_URL (Redis or the database cache is chosen), or point it at "
                             "Redis.", id="issp.E004")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def secret_key_and_hosts(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Django only warns (security.W009, W020); production must not start without them."""
    if settings.DEBUG:
        return []
    errors = []
    if len(settings.SECRET_KEY) < 50 or len(set(settings.SECRET_KEY)) < 5:
        errors.append(checks.Error("SECRET_KEY is too short or too simple for production.",
                                   hint="Set SECRET_KEY to a random value of at least 50 characters.",
                                   id="issp.E005"))
    if not settings.ALLOWED_HOSTS:
        errors.append(checks.Error("ALLOWED_HOSTS is empty: every request would be refused.",
                                   hint="Set ALLOWED_HOSTS to the public host name(s).", id="issp.E006"))
    return errors
