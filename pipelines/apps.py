from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "pipelines"
    label = "pipelines"
    verbose_name = "Pipelines"
