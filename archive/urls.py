from django.urls import path

from archive import views, views_bulk

app_name = "archive"
urlpatterns = [
    path("", views.product_list, name="product-list"),
    path("products/<int:pk>/", views.product_detail, name="product-detail"),
    path("versions/<int:pk>/", views.version_detail, name="version-detail"),
    path("versions/<int:pk>/report.json", views.version_report_json, name="version-report-json"),
    path("versions/<int:pk>/download/", views.version_download, name="version-download"),
    path("versions/<int:pk>/validate/", views.version_validate, name="version-validate"),
    path("outbox/<int:pk>/retry/", views.outbox_retry, name="outbox-retry"),
    path("bulk.zip", views_bulk.bulk_zip, name="bulk-zip"),
    path("bulk.sh", views_bulk.bulk_script, name="bulk-script"),
]
