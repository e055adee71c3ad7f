from django.urls import path  # noqa: F401

app_name = "obs_server"
urlpatterns: list = []
