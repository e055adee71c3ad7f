"""The Celery application; tasks are discovered in each app's tasks.py."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issp_portal.settings")

app = Celery("issp_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Nested apps keep their tasks in their own tasks.py too.
app.autodiscover_tasks(
    ["pipelines.calibration", "pipelines.analysis", "pipelines.performance", "planner", "surveys.jmmc"],
    related_name="tasks",
)
