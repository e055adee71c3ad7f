"""The lifecycle of every PipelineRun (ingest, L1 reduction, L2 calibration, L3 survey fit).

The only module that writes a run's phase:

    run_create -> run_start -> run_advance ... -> run_complete | run_fail

Every write is a heartbeat (`PipelineRun.heartbeat`). `runs_sweep_stale` (beat task
`pipelines.runs_sweep`) applies the one stale-run rule of `domain.runs` to every kind:
an unfinished run silent for longer than settings.RUNS_STALE_S lost its worker and is
marked FAILED with the reason. A redelivered task may start such a run again.

`RunTask` is the base class of every Celery task that executes a run (the run id is its
first argument): when the task finally fails, `run_fail` records the error, the one
failure path.
"""
from __future__ import annotations

import datetime as dt
import logging

from celery import Task
from celery.exceptions import TaskPredicate

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from domain.errors import ConflictError
from domain.runs import FINISHED, error_text, stale_cutoff, stale_reason
from pipelines.models import PipelineRun

log = logging.getLogger(__name__)
Phase = PipelineRun.Phase


def stale_limit_s() -> float:
    """Seconds of silence after which an unfinished run is considered to have lost its worker."""
    return float(settings.RUNS_STALE_S)


def _silent_since(cutoff: dt.datetime) -> Q:
    """Last sign of life (heartbeat, else started, else created) before `cutoff`."""
    return (Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, started__lt=cutoff)
            | Q(heartbeat__isnull=True, started__isnull=True, created__lt=cutoff))


def run_create(*, kind: str, **fields) -> PipelineRun:
    """A PENDING run of `kind` (the step's service queues its task)."""
    return PipelineRun.objects.create(kind=kind, phase=Phase.PENDING, **fields)


def run_start(*, run_id, total: int | None = None, restart: bool = False, exclusive: bool = False) -> PipelineRun:
    """RUNNING from now (the first start time is kept). `restart` clears progress and error;
    `exclusive` refuses (ConflictError) while another live attempt is running the same run."""
    now = timezone.now()
    with transaction.atomic():
        run = PipelineRun.objects.select_for_update().get(pk=run_id)
        if exclusive and run.phase == Phase.RUNNING and not PipelineRun.objects.filter(
                pk=run.pk).filter(_silent_since(stale_cutoff(now, stale_limit_s()))).exists():
            raise ConflictError(f"run {run.pk} is already running")
        run.phase, run.heartbeat, run.finished = Phase.RUNNING, now, None
        run.started = now if restart or run.started is None else run.started
        if total is not None:
            run.total = total
        if restart:
            run.done, run.error_summary = 0, ""
        run.save(update_fields=["phase", "heartbeat", "finished", "started", "total", "done", "error_summary"])
    return run


def run_advance(*, run_id, done: int | None = None, step: int = 0, **fields) -> None:
    """Record progress (`done` = absolute count, or `step` more) and any other fields; a heartbeat."""
    values = dict(fields, heartbeat=timezone.now())
    if done is not None:
        values["done"] = done
    elif step:
        values["done"] = F("done") + step
    PipelineRun.objects.filter(pk=run_id).update(**values)


def run_complete(*, run_id, when_done: bool = False, **fields) -> bool:
    """COMPLETED (with `fields`, e.g. report, done, error_summary). With `when_done`, only once
    done >= total. Returns whether this call completed the run (a completed run stays as it is)."""
    runs = PipelineRun.objects.filter(pk=run_id).exclude(phase=Phase.COMPLETED)
    if when_done:
        runs = runs.filter(done__gte=F("total"))
    now = timezone.now()
    return bool(runs.update(phase=Phase.COMPLETED, finished=now, heartbeat=now, **fields))


def run_fail(*, run_id, error: BaseException | str) -> bool:
    """FAILED with the error text (cut by domain.runs.error_text); a completed run stays completed."""
    now = timezone.now()
    return bool(PipelineRun.objects.filter(pk=run_id).exclude(phase=Phase.COMPLETED).update(
        phase=Phase.FAILED, finished=now, heartbeat=now, error_summary=error_text(error)))


def runs_sweep_stale(*, now: dt.datetime | None = None) -> list[str]:
    """Mark FAILED every unfinished run of any kind whose worker died (the domain.runs rule)."""
    now = now or timezone.now()
    limit = stale_limit_s()
    silent = _silent_since(stale_cutoff(now, limit))
    failed = []
    for run in PipelineRun.objects.exclude(phase__in=FINISHED).filter(silent).only("pk", "kind", "heartbeat"):
        # the same condition again in the update: a run that beat in between is left alone
        if PipelineRun.objects.filter(pk=run.pk).exclude(phase__in=FINISHED).filter(silent).update(
                phase=Phase.FAILED, finished=now, error_summary=error_text(stale_reason(limit, run.heartbeat))):
            log.warning("%s run %s marked failed: no sign of life for %.0f s", run.kind, run.pk, limit)
            failed.append(str(run.pk))
    return failed


class RunTask(Task):
    """Base of every task that executes a run (first argument: the run id).

    Late acknowledgement with reject-on-worker-lost: a killed worker's message is
    delivered again and the (idempotent) step resumes. When the task fails for good,
    the run is marked FAILED through `run_fail`: from the task body (in a worker and
    in-process, where Celery propagates without calling on_failure) and from
    `on_failure` (hard time limit, lost worker process). A retry is not a failure.
    """

    acks_late = True
    reject_on_worker_lost = True

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except TaskPredicate:  # Retry, Ignore, Reject: the task is not finished
            raise
        except Exception as exc:
            self._record_failure(exc, args, kwargs)
            raise

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        self._record_failure(exc, args, kwargs)

    def _record_failure(self, exc: BaseException, args, kwargs) -> None:
        run_id = kwargs.get("run_id") or (args[0] if args else None)
        if run_id and run_fail(run_id=run_id, error=exc):
            log.error("task %s failed for run %s: %s", self.name, run_id, error_text(exc)[:500])
