from django.apps import AppConfig


class ObsServerConfig(AppConfig):
    name = "obs_server"
    label = "obs_server"
    verbose_name = "OB server"
