"""A survey fit through a real Celery worker on Redis: one task per target, chunked, progress in the run."""
from __future__ import annotations

import time

import pytest

from demo.analysis import l2_synthetic_create
from pipelines.analysis import services
from pipelines.analysis.models import DiameterResult
from pipelines.models import PipelineRun
from surveys.models import Program, Target


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_fifty_targets_are_fitted_by_the_worker_pool_with_progress(celery_worker_process, celery_live, settings):
    from django.contrib.auth import get_user_model

    settings.ANALYSIS_CHUNK_SIZE = 7
    admin = get_user_model().objects.create_user("l3admin", is_staff=True)
    program = Program.objects.create(code="issp-l3w", title="worker test")
    truths = {}
    for i in range(50):
        target = Target.objects.create(name=f"W {i:03d}", ra_deg=i, dec_deg=20.0, spectral_type="K0III")
        target.programs.add(program)
        truths[target.pk] = 0.4 + 0.05 * i
        companion = None
        if i == 7:
            from demo.synthetic.l2 import Companion

            companion = Companion(0.3, 2.0, 1.0)
        l2_synthetic_create(target=target, program=program, theta_mas=truths[target.pk], mjd=59000.3, seed=i,
                            n_times=2, companion=companion)
    run = services.survey_run_start(user=admin)  # autocommit: the dispatch is queued at once
    seen = set()
    deadline = time.time() + 240
    while time.time() < deadline:
        run.refresh_from_db()
        seen.add(run.done)
        if run.phase in (PipelineRun.Phase.COMPLETED, PipelineRun.Phase.FAILED):
            break
        time.sleep(0.5)
    assert run.phase == PipelineRun.Phase.COMPLETED, (run.phase, run.done, run.error_summary)
    assert run.done == run.total == 50 and run.started and run.finished
    assert len(seen) > 2  # progress was visible while it ran
    assert run.report == {"fitted": 50, "failed": 0, "not_single_disk": 1}
    for row in DiameterResult.objects.filter(run=run).exclude(flags__contains="not_single_disk"):
        assert row.ud_mas == pytest.approx(truths[row.target_id], rel=0.02)
