"""Surveys' own pages; portal.urls serves them with the pages that gather several apps, in this namespace."""
from django.urls import path

from surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.home, name="home"),
    path("targets/", views.target_list, name="target-list"),
    path("calibrators/", views.calibrator_list, name="calibrator-list"),
    path("calibrators/<int:pk>/", views.calibrator_detail, name="calibrator-detail"),
]
