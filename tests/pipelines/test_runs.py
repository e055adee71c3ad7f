"""One run lifecycle: a run of any kind whose worker dies mid-way is failed by the same stale-run sweep;
a task that fails marks its run FAILED through the one failure path; queues come from CELERY_TASK_ROUTES."""
from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from django.utils import timezone

from domain.runs import ERROR_LIMIT
from pipelines import runs, services
from pipelines.models import PipelineRun
from surveys.jmmc.models import SyncRun
from tests.calibration.conftest import register_night
from tests.pipelines.helpers import ingested_night_with_l1_run, make_survey_night, write_landing

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside: the step stops and nothing after it runs (no except, no finally
    of the service catches a BaseException that is not an Exception)."""


def _killed_after(n_calls: int, real):
    calls = {"n": 0}

    def step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > n_calls:
            raise WorkerKilled
        return real(*args, **kwargs)

    return step


def _kill_ingest(tmp_path) -> PipelineRun:
    setup = make_survey_night()
    write_landing(tmp_path / "landing", setup["visits"])
    run = services.ingest_run_create(paths=[str(tmp_path / "landing")], reduce=False, enqueue=False)
    with mock.patch("pipelines.services.raw_file_ingest", _killed_after(2, services.raw_file_ingest)), \
            pytest.raises(WorkerKilled):
        services.ingest_run_execute(run=run)
    return run


def _kill_l1(tmp_path) -> PipelineRun:
    _, run = ingested_night_with_l1_run()
    with mock.patch("pipelines.services.raw_file_reduce", _killed_after(1, services.raw_file_reduce)), \
            pytest.raises(WorkerKilled):
        services.l1_run_execute(run=run)
    return run


def _kill_l2(tmp_path) -> PipelineRun:
    from pipelines.calibration import services as calibration

    night, _, _ = register_night(tmp_path)
    run = calibration.calibration_runs_start(night=night)[0]  # queued on commit: never sent in this test
    real = calibration.product_version_create
    with mock.patch("pipelines.calibration.services.product_version_create", _killed_after(1, real)), \
            pytest.raises(WorkerKilled):
        calibration.calibration_run_execute(run_id=run.pk)
    return run


def _kill_l3(tmp_path) -> PipelineRun:
    from pipelines.analysis import services as analysis

    run = PipelineRun.objects.create(kind=PipelineRun.Kind.L3, total=3, parameters={"target_ids": [-1, -2, -3]})
    runs.run_start(run_id=run.pk)  # what analysis.survey_dispatch does before sending the chunks
    analysis.run_target_fit(target_id=-1, run_id=run.pk)  # one of three targets done, then the pool died
    return run


KILLS = {"ingest": _kill_ingest, "l1": _kill_l1, "l2": _kill_l2, "l3": _kill_l3}


def _age(model, pk, seconds: float, *fields: str) -> None:
    """Move a row's timestamps back in time (the worker has been dead for that long)."""
    then = timezone.now() - dt.timedelta(seconds=seconds)
    model.objects.filter(pk=pk).update(**{f: then for f in fields})


@pytest.mark.parametrize("kind", list(KILLS))
def test_a_run_killed_mid_way_is_failed_by_the_sweep_with_the_same_rule(kind, tmp_path, settings):
    settings.RUNS_STALE_S = 1800
    run = KILLS[kind](tmp_path)
    run.refresh_from_db()
    assert run.kind == kind and run.phase == "running" and 0 < run.done < run.total, (run.done, run.total)
    assert run.heartbeat is not None

    # silent for less than the limit: a live worker may still be on it
    _age(PipelineRun, run.pk, 1700, "heartbeat")
    assert runs.runs_sweep_stale() == []
    run.refresh_from_db()
    assert run.phase == "running"

    # silent for longer than the limit: failed, with the reason, progress kept
    _age(PipelineRun, run.pk, 1900, "heartbeat")
    from pipelines.tasks import runs_sweep_task

    result = runs_sweep_task.delay().get()
    assert result["pipeline_runs"] == [str(run.pk)]
    run.refresh_from_db()
    assert run.phase == "failed" and run.finished is not None
    assert run.error_summary.startswith("worker lost: no sign of life for more than 1800 s")
    assert 0 < run.done < run.total
    assert runs.runs_sweep_stale() == []  # once


def test_pending_runs_never_picked_up_and_catalog_syncs_follow_the_same_rule(settings):
    settings.RUNS_STALE_S = 600
    fresh = PipelineRun.objects.create(kind=PipelineRun.Kind.INGEST)
    lost = PipelineRun.objects.create(kind=PipelineRun.Kind.INGEST)
    done = PipelineRun.objects.create(kind=PipelineRun.Kind.L1, phase="completed")
    _age(PipelineRun, lost.pk, 700, "created")
    _age(PipelineRun, done.pk, 7000, "created", "started", "heartbeat")
    sync_live = SyncRun.objects.create(catalog="spica")
    sync_dead = SyncRun.objects.create(catalog="spica")
    _age(SyncRun, sync_dead.pk, 700, "started")

    from pipelines.tasks import runs_sweep_task

    assert runs_sweep_task.delay().get() == {"pipeline_runs": [str(lost.pk)], "catalog_syncs": [str(sync_dead.pk)]}
    phases = {r.pk: r.phase for r in PipelineRun.objects.all()}
    assert phases == {fresh.pk: "pending", lost.pk: "failed", done.pk: "completed"}
    sync_dead.refresh_from_db()
    assert sync_dead.phase == "failed" and "no sign of life for more than 600 s" in sync_dead.error_summary
    sync_live.refresh_from_db()
    assert sync_live.phase == "running"


def test_a_swept_run_redelivered_runs_to_completion(tmp_path, settings):
    """The sweep is not the end: a redelivered task resumes the idempotent run."""
    run = _kill_l1(tmp_path)
    _age(PipelineRun, run.pk, settings.RUNS_STALE_S + 60, "heartbeat")
    assert runs.runs_sweep_stale() == [str(run.pk)]
    from pipelines.tasks import l1_run_task

    l1_run_task.delay(str(run.pk))
    run.refresh_from_db()
    assert run.phase == "completed" and run.done == run.total == 6 and run.report["registered"] == 6


def _fail_ingest(tmp_path):
    from pipelines.tasks import ingest_run_task

    run = services.ingest_run_create(paths=[str(tmp_path)], enqueue=False)
    target = "pipelines.services.landing_files"
    return run, ingest_run_task, target


def _fail_l2(tmp_path):
    from pipelines.calibration import services as calibration
    from pipelines.calibration.tasks import calibrate_setup_task

    night, _, _ = register_night(tmp_path)
    run = calibration.calibration_runs_start(night=night)[0]
    return run, calibrate_setup_task, "pipelines.calibration.services.calibrate_setup"


def _fail_l3(tmp_path):
    from pipelines.analysis.tasks import analysis_survey_dispatch_task

    run = PipelineRun.objects.create(kind=PipelineRun.Kind.L3, total=1, parameters={"target_ids": [1]})
    return run, analysis_survey_dispatch_task, "pipelines.analysis.tasks.selectors.settings_value"


@pytest.mark.parametrize("make", [_fail_ingest, _fail_l2, _fail_l3], ids=["ingest", "l2", "l3"])
def test_a_failing_run_task_marks_its_run_failed_with_the_error_cut_once(make, tmp_path):
    run, task, patched = make(tmp_path)
    huge = "disk full " * 500
    with mock.patch(patched, side_effect=RuntimeError(huge)), pytest.raises(RuntimeError):
        task.delay(str(run.pk))
    run.refresh_from_db()
    from issp_portal.celery import app

    assert isinstance(app.tasks[task.name], runs.RunTask)
    assert run.phase == "failed" and run.finished is not None
    assert run.error_summary.startswith("RuntimeError: disk full disk full")
    assert len(run.error_summary) == ERROR_LIMIT and run.error_summary.endswith("(truncated)")


def test_queues_come_from_the_routes_and_task_names_are_app_dot_verb():
    from issp_portal.celery import app

    app.loader.import_default_modules()
    expected = {"pipelines.ingest_run": "ingest", "pipelines.ingest_landing": "ingest", "pipelines.l1_run": "reduce",
                "calibration.calibrate_setup": "calibrate", "analysis.target_fit": "analysis",
                "analysis.survey_dispatch": "analysis", "archive.outbox_deliver": "archive",
                "archive.outbox_flush": "archive", "pipelines.runs_sweep": "default", "jmmc.catalog_sync": "default",
                "performance.samples_refresh": "default", "notifications.send": "default",
                "notifications.digest": "default"}
    for name, queue in expected.items():
        assert name in app.tasks, name
        assert app.amqp.router.route({}, name)["queue"].name == queue, name
    labels = {"issp_portal", "pipelines", "calibration", "analysis", "performance", "archive", "jmmc", "surveys",
              "obs_server", "planning", "notifications"}
    ours = [n for n in app.tasks if not n.startswith("celery.")]
    assert ours and all(n.count(".") == 1 and n.split(".")[0] in labels for n in ours), ours


def test_every_beat_entry_names_a_registered_task(settings):
    from issp_portal.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"pipelines.runs_sweep", "pipelines.ingest_landing", "archive.outbox_flush"} <= names
    assert names <= set(app.tasks), names - set(app.tasks)
