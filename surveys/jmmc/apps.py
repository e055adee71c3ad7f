from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class JmmcConfig(AppConfig):
    name = "surveys.jmmc"
    label = "jmmc"
    verbose_name = "JMMC catalog sync"

    def ready(self) -> None:
        check_settings()


def check_settings() -> None:
    """With JMMC_SYNC_ENABLED on, the URLs and credentials must all be set."""
    if not getattr(settings, "JMMC_SYNC_ENABLED", False):
        return
    from surveys.jmmc.clients import missing_settings

    missing = missing_settings()
    if missing:
        raise ImproperlyConfigured(f"JMMC_SYNC_ENABLED is on but these settings are empty: {', '.join(missing)}")
