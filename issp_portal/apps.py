from django.apps import AppConfig


class IsspPortalConfig(AppConfig):
    name = "issp_portal"
    label = "issp_portal"
    verbose_name = "ISSP portal"

    def ready(self) -> None:
        from django.contrib import admin

        from issp_portal import checks  # noqa: F401  (registers the deploy checks)
        from issp_portal.accounts import ThrottledAdminAuthenticationForm
        from issp_portal.orcid import use_configured_endpoints

        admin.site.login_form = ThrottledAdminAuthenticationForm
        use_configured_endpoints()
