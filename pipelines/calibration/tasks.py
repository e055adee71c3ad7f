"""Celery tasks of L2 calibration: ids in, one service call, retries on lost database connections."""
from __future__ import annotations

from celery import shared_task

from django.db import OperationalError

from domain.errors import ConflictError
from pipelines.calibration import services
from pipelines.runs import RunTask


@shared_task(bind=True, base=RunTask, name="calibration.calibrate_setup", max_retries=3, default_retry_delay=30)
def calibrate_setup_task(self, run_id: str) -> str:
    """Calibrate one (night, setup) run; returns its final phase (a failure is recorded by RunTask)."""
    try:
        run = services.calibration_run_execute(run_id=run_id)
    except ConflictError:  # a redelivered message while the first delivery still runs
        return "running"
    except OperationalError as exc:
        raise self.retry(exc=exc)
    return run.phase
