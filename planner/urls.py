from django.urls import path

from planner import views

app_name = "planning"
urlpatterns = [
    path("", views.planner, name="planner"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/send/", views.plan_send, name="plan-send"),
    path("plans/<int:pk>/obxml.zip", views.plan_export, name="plan-export"),
]
