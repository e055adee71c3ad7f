from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The pages that gather several apps: the desk, the dashboard, the target and night pages."""

    name = "portal"
    label = "portal"
    verbose_name = "Portal pages"
