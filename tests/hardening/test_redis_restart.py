"""Redis restarted under a running L1 batch: the worker reconnects, the run finishes, nothing lost or doubled.

A private redis-server (no persistence) and our own worker process pointed at it, so the
shared broker of other tests is never touched. The worker needs to see the test's rows,
hence PostgreSQL (an in-memory SQLite test database is invisible to another process).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
from celery import Celery

from django.conf import settings
from django.db import connection

from archive.models import Product, ProductVersion
from pipelines.models import PipelineRun, ReductionOutput
from tests.hardening.services import ROOT, TempRedis
from tests.pipelines.helpers import ingested_night_with_l1_run

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _wait(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _ping(app: Celery, name: str):
    """Ping one worker; a connection the restart broke counts as no answer yet."""
    try:
        with app.connection_for_write() as conn:
            return app.control.ping(timeout=1.0, destination=[name], connection=conn)
    except Exception:  # noqa: BLE001 - redis-py / kombu connection errors while the broker restarts
        return None


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("CI requires redis-server")
        pytest.skip("redis-server not installed")
    redis = TempRedis()
    redis.start()
    yield redis
    redis.destroy()


def _worker_env(broker: str) -> dict:
    db = settings.DATABASES["default"]
    env = {**os.environ, "CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": broker,
           "ARCHIVE_ROOT": str(settings.ARCHIVE_ROOT), "RAW_ROOT": str(settings.RAW_ROOT),
           "DATABASE_URL": f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
                           f"{db.get('PORT') or 5432}/{connection.settings_dict['NAME']}"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@pytest.mark.django_db(transaction=True)
def test_redis_restart_mid_l1_batch_resumes_without_loss_or_duplicates(private_redis, monkeypatch):
    setup, run = ingested_night_with_l1_run()

    queue = f"redisrestart-{os.getpid()}"
    log = ROOT / "test-artifacts" / "celery-redis-restart.log"
    log.parent.mkdir(exist_ok=True)
    log.unlink(missing_ok=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "issp_portal", "worker", "-l", "INFO", "-c", "1", "-Q", queue,
         "-n", f"{queue}@localhost", "--without-gossip", "--without-mingle", "--logfile", str(log)],
        cwd=ROOT, env=_worker_env(private_redis.url), start_new_session=True)
    # Celery lets CELERY_BROKER_URL from the environment win over the broker argument: point it at ours.
    monkeypatch.setenv("CELERY_BROKER_URL", private_redis.url)
    monkeypatch.setenv("CELERY_RESULT_BACKEND", private_redis.url)
    # Not the current app: shared tasks queued by later tests must keep going through the portal's app.
    sender = Celery("hardening-sender", broker=private_redis.url, backend=private_redis.url, set_as_current=False)
    try:
        _wait(lambda: _ping(sender, f"{queue}@localhost"), 60, "worker ping")
        sender.send_task("pipelines.l1_run", args=[str(run.pk)], queue=queue)
        _wait(lambda: PipelineRun.objects.get(pk=run.pk).done >= 2, 120, "two files reduced")

        private_redis.stop()  # broker gone mid-batch (no persistence: its queues are wiped)
        during = PipelineRun.objects.get(pk=run.pk)
        assert during.phase == "running" and during.done < during.total
        time.sleep(3)
        private_redis.start()

        done = _wait(lambda: PipelineRun.objects.filter(pk=run.pk, phase__in=("completed", "failed")).first(),
                     180, "run finished after the restart")
        assert worker.poll() is None, "the worker process must survive the broker restart"
        _wait(lambda: _ping(sender, f"{queue}@localhost"), 60, "worker answering on the restarted broker")
    finally:
        sender.close()
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
    assert done.phase == "completed", done.error_summary
    assert (done.done, done.total) == (6, 6)
    assert done.report["registered"] == 6 and done.report["failed"] == 0
    outputs = ReductionOutput.objects.filter(raw_file__night=setup["night"])
    assert outputs.count() == 6 and all(o.product_version_id for o in outputs)
    products = Product.objects.filter(calib_level=1, night=setup["night"])
    assert products.count() == 6
    assert all(p.versions.count() == 1 for p in products)
    assert ProductVersion.objects.filter(product__in=products).count() == 6
    assert PipelineRun.objects.filter(kind="l1", night=setup["night"]).count() == 1
    text = log.read_text(errors="replace")
    assert "Connection to broker lost" in text or "Cannot connect to redis" in text, \
        "the worker log should show the outage it survived"
