from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from archive.urls import urlpatterns as archive_urlpatterns
from issp_portal.health import healthz
from issp_portal.orcid import throttled_urlpatterns as throttled_orcid_urls
from issp_portal.signed_links import sign_view
from pipelines.urls import feed_urlpatterns

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("links/sign", sign_view, name="signed-link"),
    path("accounts/", include(throttled_orcid_urls())),  # before allauth's own: the same paths, throttled
    path("accounts/", include("allauth.urls")),
    path("account/notifications/", include("notifications.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("obs_server.urls")),
    path("pipelines/", include("pipelines.urls")),
    path("calibration/", include("pipelines.calibration.urls")),
    path("analysis/", include("pipelines.analysis.urls")),
    path("performance/", include("pipelines.performance.urls")),
    path("planner/", include("planner.urls")),
    path("jmmc/", include("surveys.jmmc.urls")),
    path("archive/", include(([*archive_urlpatterns, *feed_urlpatterns], "archive"))),  # + the L0 feed
    path("", include("portal.urls")),  # namespace "surveys": the pages and surveys' own
]
