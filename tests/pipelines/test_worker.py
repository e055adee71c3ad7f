"""Through Redis and real Celery workers: a night end to end, idempotent; and a SIGKILL mid-run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from django.conf import settings

from archive.models import Product, ProductVersion
from pipelines import services
from pipelines.models import L0Record, PipelineRun, RawFile, ReductionOutput
from tests.conftest import ROOT
from tests.pipelines.helpers import ingested_night_with_l1_run, make_survey_night, write_landing


def _wait(predicate, timeout: float = 180, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _snapshot():
    return (RawFile.objects.count(), L0Record.objects.count(), Product.objects.count(),
            ProductVersion.objects.count(), ReductionOutput.objects.count())


def _quiet(seconds: float = 3.0, limit: float = 240.0):
    """Wait until no pipeline run is pending or running and nothing changes for `seconds`; the snapshot."""
    deadline = time.time() + limit
    last, since = None, time.time()
    while time.time() < deadline:
        busy = PipelineRun.objects.filter(phase__in=["pending", "running"]).exists()
        now = _snapshot()
        if busy or now != last:
            last, since = now, time.time()
        elif time.time() - since >= seconds:
            return now
        time.sleep(0.5)
    raise AssertionError(f"pipelines still busy after {limit} s: {last}")


def _runs_finished(run_id):
    run = PipelineRun.objects.get(pk=run_id)
    if run.phase not in ("completed", "failed"):
        return None
    l1 = PipelineRun.objects.filter(kind="l1", parameters__ingest_run=str(run_id))
    return run if all(r.phase in ("completed", "failed") for r in l1) else None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_night_through_a_real_worker_is_ingested_reduced_and_idempotent(celery_worker_process, celery_live):
    setup = make_survey_night()
    landing = Path(settings.RAW_ROOT) / f"landing-{uuid.uuid4().hex[:8]}"
    files = write_landing(landing, setup["visits"])
    run = services.ingest_run_create(paths=[str(landing)])  # queued on commit (autocommit here)
    run = _wait(lambda: _runs_finished(run.pk), what="ingest + L1 runs")
    assert run.phase == "completed", run.error_summary
    assert (run.report["new"], run.report["known"], run.report["quarantined"]) == (6, 1, 2)
    bad = RawFile.objects.get(original_name=files["truncated"].name)
    assert bad.status == "quarantined" and bad.quarantine_reason.startswith("truncated")
    fixed = RawFile.objects.get(original_name=files["missing_keywords"].name)
    assert {d["keyword"] for d in fixed.consolidation_report["derived"]} >= {"OBJECT", "DATE-OBS", "PROG_ID"}
    assert L0Record.objects.filter(raw_file__night=setup["night"]).count() == 6
    l1 = PipelineRun.objects.get(kind="l1", parameters__ingest_run=str(run.pk))
    assert l1.phase == "completed" and (l1.done, l1.total) == (6, 6), l1.error_summary
    assert ProductVersion.objects.filter(product__calib_level=1).count() == 6
    before = _quiet()  # the automatic L2 (and the L3 refits it queues) finish too
    assert ProductVersion.objects.filter(product__calib_level=2).exists()

    again = services.ingest_run_create(paths=[str(landing)])
    again = _wait(lambda: _runs_finished(again.pk), what="second ingest")
    assert again.report["new"] == 0 and again.report["known"] == 9 and again.report["l1_runs"] == []
    assert _quiet() == before


def _start_worker(env: dict, queue: str, log: Path) -> subprocess.Popen:
    """Our own worker (own session, so the test can SIGKILL it and its pool children)."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "issp_portal", "worker", "-l", "INFO", "-c", "1", "-Q", queue,
         "-n", f"{queue}@localhost", "--without-gossip", "--without-mingle", "--logfile", str(log)],
        cwd=ROOT, env=env, start_new_session=True)


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_run_then_restart_registers_each_product_once(celery_worker_process, celery_live, tmp_path):
    from issp_portal.celery import app
    from pipelines.tasks import l1_run_task

    setup, run = ingested_night_with_l1_run()
    queue = f"killtest-{os.getpid()}"
    # Short visibility timeout: the unacknowledged message of the killed worker comes back within seconds.
    env = {**celery_worker_process["env"], "CELERY_VISIBILITY_TIMEOUT": "6"}
    log = ROOT / "test-artifacts" / "celery-killtest.log"
    worker = _start_worker(env, queue, log)
    try:
        _wait(lambda: app.control.ping(timeout=1.0, destination=[f"{queue}@localhost"]), 60, "worker ping")
        l1_run_task.apply_async(args=[str(run.pk)], queue=queue)
        _wait(lambda: PipelineRun.objects.get(pk=run.pk).done >= 2, 120, "two files reduced")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = PipelineRun.objects.get(pk=run.pk)
        assert killed_at.phase == "running" and killed_at.done < killed_at.total
        worker = _start_worker(env, queue, log)
        done = _wait(lambda: PipelineRun.objects.filter(pk=run.pk, phase="completed").first(), 180, "run finished")
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=20)
    assert (done.done, done.total) == (6, 6)
    outputs = ReductionOutput.objects.filter(raw_file__night=setup["night"])
    assert outputs.count() == 6 and all(o.product_version_id for o in outputs)
    for product in Product.objects.filter(calib_level=1, night=setup["night"]):
        assert product.versions.count() == 1
    assert Product.objects.filter(calib_level=1, night=setup["night"]).count() == 6
    leftovers = [p for p in Path(settings.ARCHIVE_ROOT).rglob("*") if p.is_file() and
                 (p.name.startswith(".") or p.suffix == ".part")]
    assert leftovers == []
    for version in ProductVersion.objects.filter(product__night=setup["night"]):
        assert (Path(settings.ARCHIVE_ROOT) / version.path).stat().st_size == version.size
