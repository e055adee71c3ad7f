from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


def check_push_settings(settings) -> None:
    """Pushing switched on needs somewhere to push to (fail at start, not at the first validation)."""
    if settings.ARCHIVE_PUSH_ENABLED and not settings.ARCHIVE_OIDB_URL:
        raise ImproperlyConfigured("ARCHIVE_PUSH_ENABLED is true but ARCHIVE_OIDB_URL is empty.")
    if settings.ARCHIVE_PUSH_ENABLED and settings.ARCHIVE_OIDB_USER and not settings.ARCHIVE_OIDB_PASSWORD:
        raise ImproperlyConfigured("ARCHIVE_OIDB_USER is set but ARCHIVE_OIDB_PASSWORD is empty.")


class ArchiveConfig(AppConfig):
    name = "archive"
    label = "archive"
    verbose_name = "Archive"

    def ready(self) -> None:
        from django.conf import settings

        check_push_settings(settings)
