"""Celery tasks of pipelines/: thin, take ids, call one service (queues "ingest" and "reduce")."""
from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from django.conf import settings

from pipelines import services
from pipelines.models import PipelineRun
from pipelines.reduction.base import TransientReductionError

log = logging.getLogger(__name__)


class RunTask(Task):
    """Marks the PipelineRun FAILED (with the error) when the task finally fails."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        log.error("task %s failed for run %s: %s", self.name, args[0] if args else None, exc)
        if args:
            services.run_fail(run_id=args[0], error=f"{type(exc).__name__}: {exc}")


@shared_task(bind=True, base=RunTask, name="pipelines.ingest_run", acks_late=True,
             reject_on_worker_lost=True, soft_time_limit=3300, time_limit=3600)
def ingest_run_task(self, run_id: str) -> dict:
    run = PipelineRun.objects.get(pk=run_id)
    if run.phase == PipelineRun.Phase.COMPLETED:
        return run.report
    return services.ingest_run_execute(run=run).report


@shared_task(bind=True, base=RunTask, name="pipelines.l1_run", acks_late=True,
             reject_on_worker_lost=True, max_retries=3)
def l1_run_task(self, run_id: str) -> dict:
    run = PipelineRun.objects.get(pk=run_id)
    if run.phase == PipelineRun.Phase.COMPLETED:
        return run.report
    try:
        return services.l1_run_execute(run=run).report
    except (TransientReductionError, SoftTimeLimitExceeded) as exc:
        # Transient: retry the run later (files already reduced are skipped).
        PipelineRun.objects.filter(pk=run_id).update(error_summary=f"retrying after: {exc}")
        raise self.retry(exc=exc, countdown=min(60, 2 ** self.request.retries * 2))


@shared_task(name="pipelines.ingest_landing")
def ingest_landing_task() -> str:
    """Beat: pull from the remote data centre when configured, then ingest the landing folder."""
    paths = [str(settings.RAW_ROOT)]
    if settings.PIPELINES_SFTP_HOST:
        from pipelines.sftp import pull_configured

        pull_configured()
    run = services.ingest_run_create(paths=paths, enqueue=False)
    ingest_run_task.apply_async(args=[str(run.pk)], queue="ingest")
    return str(run.pk)
