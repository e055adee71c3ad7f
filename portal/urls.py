"""The portal's pages under the names they have always had ("surveys:desk", "surveys:night-detail", ...):
the pages that gather several apps and surveys' own pages, in one namespace."""
from django.urls import path

from portal import views
from surveys.urls import urlpatterns as survey_urlpatterns

app_name = "surveys"
urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("targets/<int:pk>/", views.target_detail, name="target-detail"),
    path("nights/", views.night_list, name="night-list"),
    path("nights/<str:date>/", views.night_detail, name="night-detail"),
    *survey_urlpatterns,
]
