from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Only the `load_demo` command needs the app installed (settings.DEMO); it has no models."""

    name = "demo"
    verbose_name = "Demo data (not production)"
