from django.urls import path

from pipelines.performance import views

app_name = "performance"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/<str:table>.<str:fmt>", views.export, name="export"),
]
