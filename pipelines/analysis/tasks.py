"""Celery tasks of L3 analyses (queue "analysis", CELERY_TASK_ROUTES): thin wrappers around services."""
from __future__ import annotations

import logging

from celery import shared_task

from pipelines.analysis import companion_services, selectors, services
from pipelines.runs import RunTask, run_start

log = logging.getLogger(__name__)


@shared_task(name="analysis.target_fit", acks_late=True, autoretry_for=(ConnectionError,),
             retry_backoff=True, max_retries=3)
def analysis_target_fit_task(target_id: int, run_id: str | None = None, force: bool = False) -> None:
    """Refit one target (a survey step when run_id is given; the run's progress advances either way)."""
    services.run_target_fit(target_id=target_id, run_id=run_id, force=force)


@shared_task(bind=True, base=RunTask, name="analysis.survey_dispatch")
def analysis_survey_dispatch_task(self, run_id: str) -> int:
    """Send one task per target, in chunks (one message per chunk keeps the broker light at 2,000 targets)."""
    run = run_start(run_id=run_id)
    items = [(tid, str(run.pk), bool(run.parameters.get("force"))) for tid in run.parameters["target_ids"]]
    size = max(1, int(selectors.settings_value("CHUNK_SIZE")))
    analysis_target_fit_task.chunks(items, size).apply_async()
    return len(items)


@shared_task(name="analysis.companion_target", acks_late=True, autoretry_for=(ConnectionError,),
             retry_backoff=True, max_retries=3)
def companion_target_task(target_id: int, run_id: str | None = None, force: bool = False) -> None:
    """Screen one target for a companion (a survey step when run_id is given)."""
    companion_services.run_target_screen(target_id=target_id, run_id=run_id, force=force)


@shared_task(bind=True, base=RunTask, name="analysis.companion_dispatch")
def companion_dispatch_task(self, run_id: str) -> int:
    """Send the survey screen in chunks of targets, as the survey fit does."""
    run = run_start(run_id=run_id)
    items = [(tid, str(run.pk), bool(run.parameters.get("force"))) for tid in run.parameters["target_ids"]]
    companion_target_task.chunks(items, max(1, int(selectors.settings_value("CHUNK_SIZE")))).apply_async()
    return len(items)


@shared_task(name="analysis.sweep_stale")
def analysis_sweep_stale_task() -> int:
    """Periodic safety net: refit targets whose current L2 changed without anyone telling us."""
    return services.stale_refresh()


@shared_task(name="analysis.model_fit", acks_late=True)
def analysis_model_fit_task(target_id: int, program_id: int, instrument: str, engine: str, model: str,
                            user_id: int | None = None) -> int:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    version = services.target_model_fit(target_id=target_id, program_id=program_id, instrument=instrument,
                                        engine=engine, model=model, user=user)
    return version.pk
