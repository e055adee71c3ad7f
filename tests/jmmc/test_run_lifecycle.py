"""A catalog sync follows the run lifecycle of domain.runs: its phases, its stale rule, the renamed old rows."""
from __future__ import annotations

import datetime as dt
import importlib

import pytest

from django.apps import apps
from django.utils import timezone

from domain import runs
from surveys.jmmc.models import SyncRun
from surveys.jmmc.services import catalog_sync, sync_runs_sweep_stale

MIGRATION = importlib.import_module("surveys.jmmc.migrations.0002_syncrun_run_lifecycle")


@pytest.mark.django_db
def test_a_finished_sync_is_completed_with_a_heartbeat(jmmc, people):
    run = catalog_sync().run
    run.refresh_from_db()
    assert run.phase == runs.COMPLETED == SyncRun.Phase.COMPLETED
    assert run.heartbeat is not None and run.heartbeat >= run.started


@pytest.mark.django_db
def test_the_sweep_fails_a_killed_sync_by_the_same_rule_as_pipeline_runs(settings):
    settings.RUNS_STALE_S = 600
    now = timezone.now()
    old, recent = now - dt.timedelta(seconds=601), now - dt.timedelta(seconds=599)
    killed = SyncRun.objects.create(catalog="spica", phase=SyncRun.Phase.RUNNING, heartbeat=old)
    alive = SyncRun.objects.create(catalog="spica", phase=SyncRun.Phase.RUNNING, heartbeat=recent)
    queued = SyncRun.objects.create(catalog="spica", phase=SyncRun.Phase.PENDING, heartbeat=old)
    finished = SyncRun.objects.create(catalog="spica", phase=SyncRun.Phase.COMPLETED, heartbeat=old)
    legacy = SyncRun.objects.create(catalog="spica", phase=SyncRun.Phase.RUNNING)  # before the heartbeat column
    SyncRun.objects.filter(pk=legacy.pk).update(started=old)

    assert sorted(sync_runs_sweep_stale()) == sorted([str(killed.pk), str(queued.pk), str(legacy.pk)])
    phases = dict(SyncRun.objects.values_list("pk", "phase"))
    assert phases == {killed.pk: "failed", queued.pk: "failed", legacy.pk: "failed",
                      alive.pk: "running", finished.pk: "completed"}
    killed.refresh_from_db()
    assert "marked failed by the stale-run sweep" in killed.error_summary and killed.ended is not None
    for run in (alive, killed):  # the domain rule agrees with the query
        run.refresh_from_db()
        assert runs.is_stale(phase="running", last_seen=run.heartbeat, now=now, limit_s=600) == (run == killed)
    assert sync_runs_sweep_stale() == []


@pytest.mark.django_db
def test_the_migration_renames_done_to_completed_and_back():
    done = SyncRun.objects.create(catalog="spica", phase="done")
    failed = SyncRun.objects.create(catalog="spica", phase="failed")
    MIGRATION.phases_forward(apps, None)
    assert dict(SyncRun.objects.values_list("pk", "phase")) == {done.pk: "completed", failed.pk: "failed"}
    MIGRATION.phases_backward(apps, None)
    assert dict(SyncRun.objects.values_list("pk", "phase")) == {done.pk: "done", failed.pk: "failed"}
