from django.urls import path

from surveys.jmmc import views

app_name = "jmmc"
urlpatterns = [
    path("", views.sync_status, name="sync-status"),
    path("sync/", views.sync_now, name="sync-now"),
    path("targets/<int:pk>/priority/", views.priority_edit, name="priority-edit"),
]
