from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "pipelines.performance"
    label = "performance"
    verbose_name = "Instrument performance"
