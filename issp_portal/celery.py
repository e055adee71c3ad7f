"""The Celery application; tasks are discovered in each app's tasks.py."""
import os
import sys

if "worker" in sys.argv[1:]:
    # The pool's processes are the parallelism: one BLAS thread each (set before numpy loads). OpenBLAS's
    # own threads on top of a 2-process pool on 2 cores cost ~1.5x the CPU of a companion screen.
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

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
