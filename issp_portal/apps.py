from django.apps import AppConfig


class IsspPortalConfig(AppConfig):
    name = "issp_portal"
    label = "issp_portal"
    verbose_name = "ISSP portal"

    def ready(self) -> None:
        from issp_portal.orcid import use_configured_endpoints

        use_configured_endpoints()
