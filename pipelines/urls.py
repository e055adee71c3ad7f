from django.urls import path

from pipelines import views

app_name = "pipelines"
urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("progress/", views.run_progress, name="run-progress"),
    path("runs/<uuid:run_id>/", views.run_detail, name="run-detail"),
    path("nights/<str:date>/", views.night_raw_files, name="night-raw-files"),
]

# The ObsPortal feed of the L0 records keeps its address and name in the archive: /archive/l0/search.votable,
# "archive:l0-feed" (issp_portal.urls puts it there), where OiDB's harvester is configured to read it.
feed_urlpatterns = [path("l0/search.votable", views.l0_feed, name="l0-feed")]
