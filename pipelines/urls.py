from django.urls import path

from pipelines import views

app_name = "pipelines"
urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("progress/", views.run_progress, name="run-progress"),
    path("runs/<uuid:run_id>/", views.run_detail, name="run-detail"),
    path("nights/<str:date>/", views.night_raw_files, name="night-raw-files"),
]
