"""Celery tasks of pipelines/: thin, take ids, call one service (queues: CELERY_TASK_ROUTES)."""
from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from django.conf import settings

from pipelines import runs, services
from pipelines.models import PipelineRun
from pipelines.reduction.base import TransientReductionError

log = logging.getLogger(__name__)


@shared_task(bind=True, base=runs.RunTask, name="pipelines.ingest_run", soft_time_limit=3300, time_limit=3600)
def ingest_run_task(self, run_id: str) -> dict:
    run = PipelineRun.objects.get(pk=run_id)
    if run.phase == PipelineRun.Phase.COMPLETED:
        return run.report
    return services.ingest_run_execute(run=run).report


@shared_task(bind=True, base=runs.RunTask, name="pipelines.l1_run", max_retries=3)
def l1_run_task(self, run_id: str) -> dict:
    run = PipelineRun.objects.get(pk=run_id)
    if run.phase == PipelineRun.Phase.COMPLETED:
        return run.report
    try:
        return services.l1_run_execute(run=run).report
    except (TransientReductionError, SoftTimeLimitExceeded) as exc:
        # Transient: retry the run later (files already reduced are skipped).
        runs.run_advance(run_id=run_id, error_summary=f"retrying after: {exc}")
        raise self.retry(exc=exc, countdown=min(60, 2 ** self.request.retries * 2))


@shared_task(name="pipelines.ingest_landing")
def ingest_landing_task() -> str:
    """Beat: pull from the remote data centre when configured, then ingest the landing folder."""
    paths = [str(settings.RAW_ROOT)]
    if settings.PIPELINES_SFTP_HOST:
        from pipelines.sftp import pull_configured

        pull_configured()
    run = services.ingest_run_create(paths=paths, enqueue=False)
    ingest_run_task.delay(str(run.pk))
    return str(run.pk)


@shared_task(name="pipelines.runs_sweep")
def runs_sweep_task() -> dict:
    """Beat: mark FAILED the runs of every kind whose worker died (pipelines.runs, domain.runs)."""
    from surveys.jmmc.services import sync_runs_sweep_stale

    return {"pipeline_runs": runs.runs_sweep_stale(), "catalog_syncs": sync_runs_sweep_stale()}
