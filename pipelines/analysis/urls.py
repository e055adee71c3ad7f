from django.urls import path

from pipelines.analysis import views, views_runs

app_name = "analysis"
urlpatterns = [
    path("", views.diameter_table, name="diameter-table"),
    path("diameters.<str:fmt>", views.diameter_export, name="diameter-export"),
    path("plots/", views.survey_plots, name="survey-plots"),
    path("targets/<int:target_id>/", views.target_detail, name="target-detail"),
    path("targets/<int:target_id>/fit/", views_runs.target_fit, name="target-fit"),
    path("runs/", views_runs.survey_run_create, name="survey-run"),
    path("runs/companion/", views_runs.companion_run_create, name="companion-run"),
    path("runs/<uuid:run_id>/", views_runs.run_detail, name="run-detail"),
    path("runs/<uuid:run_id>/progress/", views_runs.run_progress, name="run-progress"),
]
