from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    label = "archive"
    verbose_name = "Archive"
