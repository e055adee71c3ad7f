from django.apps import AppConfig


class IsspPortalConfig(AppConfig):
    name = "issp_portal"
    label = "issp_portal"
    verbose_name = "ISSP portal"
