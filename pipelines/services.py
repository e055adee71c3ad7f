"""Write side of pipelines/: ingest runs and L1 reduction runs.

Every step is idempotent (files by content hash, L1 outputs by raw file and
software, products by checksum), so a task redelivered after a worker was
killed finishes the run without duplicating anything.
"""
from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

from domain.storage import DiskFull
from notifications.models import EventKind
from notifications.services import notify_later
from pipelines.ingest import internal_root, landing_files, raw_file_ingest
from pipelines.models import PipelineRun, RawFile
from pipelines.performance.services import samples_refresh_later
from pipelines.reduction.l1 import raw_file_reduce, runner_for
from pipelines.runs import run_advance, run_complete, run_create, run_start

log = logging.getLogger(__name__)


def ingest_run_create(*, paths: list[str] | None = None, requested_by=None, reduce: bool = True,
                      enqueue: bool = True) -> PipelineRun:
    """A PENDING ingest run over files/folders (default: the RAW_ROOT landing folder), queued after commit."""
    paths = [str(p) for p in (paths or [settings.RAW_ROOT])]
    run = run_create(kind=PipelineRun.Kind.INGEST, requested_by=requested_by,
                     parameters={"paths": paths, "reduce": reduce})
    if enqueue:
        from pipelines.tasks import ingest_run_task

        transaction.on_commit(lambda: ingest_run_task.delay(str(run.pk)))
    return run


def ingest_run_execute(*, run: PipelineRun) -> PipelineRun:
    """Ingest every landing file of the run; bad files are quarantined and the run goes on.

    Should the run itself die (database away, worker killed by an exception), the files it
    registered still get their L1 run before the error propagates.
    """
    files = landing_files(run.parameters.get("paths", []))
    run = run_start(run_id=run.pk, total=len(files))
    outcomes: dict[str, str] = dict(run.report.get("files", {}))
    errors: list[str] = []
    try:
        for path in files:
            key = str(path)
            if key in outcomes:  # already handled before a redelivery
                continue
            outcomes[key] = _ingest_one(path, run, errors)
            run_advance(run_id=run.pk, done=len(outcomes), report={"files": outcomes, **_counts(outcomes)})
    except BaseException:
        _reduce_registered(run)
        raise
    report = {"files": outcomes, **_counts(outcomes), "l1_runs": _reduce_registered(run)}
    run_complete(run_id=run.pk, done=len(outcomes), report=report, error_summary="\n".join(errors))
    run.refresh_from_db()
    return run


def _ingest_one(path: Path, run: PipelineRun, errors: list[str]) -> str:
    """The outcome of one landing file; a file-system fault is reported, never raised."""
    try:
        raw, outcome = raw_file_ingest(path, run=run)
    except (OperationalError, InterfaceError, DiskFull):  # the run fails with the reason, files stay in landing
        raise
    except Exception as exc:  # noqa: BLE001 - vanished, unreadable, or even quarantine failed: report, go on
        log.exception("ingest of %s failed", path)
        errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
        return "error"
    return f"quarantined: {raw.quarantine_reason}" if outcome == "quarantined" else outcome


def _reduce_registered(run: PipelineRun) -> list[str]:
    """L1 runs for the files this ingest registered (none when the run asked not to reduce)."""
    if not run.parameters.get("reduce", True):
        return []
    try:
        return [str(r.pk) for r in _l1_runs_for_ingest(run)]
    except (OperationalError, InterfaceError):
        log.exception("no L1 run for ingest %s: database unavailable", run.pk)
        return []


def _counts(outcomes: dict[str, str]) -> dict[str, int]:
    values = list(outcomes.values())
    return {"new": values.count("new"), "known": values.count("known"),
            "quarantined": sum(v.startswith("quarantined") for v in values), "errors": values.count("error")}


def _l1_runs_for_ingest(ingest: PipelineRun) -> list[PipelineRun]:
    """One L1 run per night that got new consolidated files in this ingest (created once, even on redelivery)."""
    nights = (RawFile.objects.filter(ingest_run=ingest, status=RawFile.Status.CONSOLIDATED, night__isnull=False)
              .order_by().values_list("night", flat=True).distinct())
    runs = []
    for night_id in nights:
        existing = PipelineRun.objects.filter(kind=PipelineRun.Kind.L1, night_id=night_id,
                                              parameters__ingest_run=str(ingest.pk)).first()
        runs.append(existing or l1_run_create(night_id=night_id, ingest_run=ingest))
    return runs


def l1_run_create(*, night_id: int, ingest_run: PipelineRun | None = None, requested_by=None,
                  enqueue: bool = True) -> PipelineRun:
    """A PENDING L1 reduction run for a night, queued after commit."""
    params = {"ingest_run": str(ingest_run.pk)} if ingest_run else {}
    run = run_create(kind=PipelineRun.Kind.L1, night_id=night_id, parameters=params, requested_by=requested_by)
    if enqueue:
        from pipelines.tasks import l1_run_task

        transaction.on_commit(lambda: l1_run_task.delay(str(run.pk)))
    return run


def l1_run_execute(*, run: PipelineRun) -> PipelineRun:
    """Reduce every consolidated raw file of the night that has no L1 output yet; progress = files done/total.

    A TransientReductionError propagates (the task retries the run; finished files are skipped).
    """
    raws = list(RawFile.objects.filter(night_id=run.night_id, status=RawFile.Status.CONSOLIDATED)
                .select_related("observation__program", "observation__target", "night", "l0").order_by("pk"))
    run = run_start(run_id=run.pk, total=len(raws))
    workroot = internal_root() / "work" / str(run.pk)
    results: dict[str, str] = {}
    registered: list[int] = []
    for index, raw in enumerate(raws, start=1):
        runner = runner_for(raw.instrument)
        output = raw_file_reduce(raw=raw, runner=runner, run=run, workroot=workroot)
        if output.product_version_id:
            registered.append(output.product_version_id)
        results[raw.original_name] = "registered" if output.product_version_id else \
            f"not registered: {'; '.join(output.problems)}"
        run_advance(run_id=run.pk, done=index)
    failed = {k: v for k, v in results.items() if v != "registered"}
    run_complete(run_id=run.pk, done=len(raws),
                 report={"files": results, "registered": len(results) - len(failed), "failed": len(failed)},
                 error_summary="\n".join(f"{k}: {v}" for k, v in failed.items()))
    run.refresh_from_db()
    samples_refresh_later(registered)  # the noise model follows the new L1 products
    if run.night_id:
        _notify_when_reduced(run)
    if settings.PIPELINES_AUTO_L2 and run.night_id:
        _calibrate_when_complete(run.night_id)
    return run


def _calibrate_when_complete(night_id: int) -> None:
    """Hand the night to L2 calibration once its L1 is complete (automatic processing)."""
    from pipelines.calibration.services import night_calibrate_if_complete
    from surveys.models import Night

    transaction.on_commit(lambda: night_calibrate_if_complete(night=Night.objects.get(pk=night_id)))


def _notify_when_reduced(run: PipelineRun) -> None:
    """The night is reduced when no L1 run of it is left to run: its programs are told (notifications)."""
    if not PipelineRun.objects.filter(night_id=run.night_id, kind=PipelineRun.Kind.L1, phase__in=[
            PipelineRun.Phase.PENDING, PipelineRun.Phase.RUNNING]).exclude(pk=run.pk).exists():
        notify_later(kind=EventKind.NIGHT_REDUCED, object_id=run.night_id, tag=str(run.pk))


def sweep_stale_partials(root: Path, *, older_than_s: float = 3600) -> int:
    """Remove temporary `.incoming-*.part` files a killed worker left behind in our own folders."""
    import time

    removed = 0
    for tmp in Path(root).rglob(".incoming-*.part"):
        if time.time() - tmp.stat().st_mtime > older_than_s:
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed
