from django.urls import path

from pipelines.calibration import views

app_name = "calibration"
urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("runs/<uuid:pk>/", views.run_detail, name="run-detail"),
    path("runs/<uuid:pk>/progress.json", views.run_progress, name="run-progress"),
    path("nights/<str:date>/", views.night_runs, name="night-runs"),
    path("nights/<str:date>/rerun/", views.night_rerun, name="night-rerun"),
]
