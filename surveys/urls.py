from django.urls import path

from surveys import views, views_desk

app_name = "surveys"
urlpatterns = [
    path("", views.home, name="home"),
    path("desk/", views_desk.desk, name="desk"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("targets/", views.target_list, name="target-list"),
    path("targets/<int:pk>/", views.target_detail, name="target-detail"),
    path("nights/", views.night_list, name="night-list"),
    path("nights/<str:date>/", views.night_detail, name="night-detail"),
    path("calibrators/", views.calibrator_list, name="calibrator-list"),
    path("calibrators/<int:pk>/", views.calibrator_detail, name="calibrator-detail"),
]
