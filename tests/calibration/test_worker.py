"""Real worker: the admin action queues the task on Redis, a worker runs it, the new version appears."""
from __future__ import annotations

import time

import pytest

from django.urls import reverse

from archive.models import ProductVersion
from pipelines.models import PipelineRun


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_admin_action_runs_on_a_real_worker(celery_worker_process, celery_live, admin_client, admin_user, tmp_path):
    from tests.calibration.conftest import register_night

    night, _, _ = register_night(tmp_path, n_files=8)
    response = admin_client.post(reverse("admin:surveys_night_changelist"), {
        "action": "rerun_l2_calibration", "_selected_action": [str(night.pk)], "apply": "1",
        "scheme": "weighted", "time_scale_h": "1.0"})
    assert response.status_code == 302
    run = PipelineRun.objects.get(kind="l2", night=night)
    deadline = time.time() + 120
    while time.time() < deadline:
        run.refresh_from_db()
        if run.phase in ("completed", "failed"):
            break
        time.sleep(0.5)
    assert run.phase == "completed", (run.phase, run.error_summary, celery_worker_process["log"])
    assert run.done == run.total == 4
    versions = ProductVersion.objects.filter(pk__in=[s["version_id"] for s in run.report["science"]])
    assert versions.count() == 4
    for v in versions:
        assert v.processing == "manual" and v.processed_by == admin_user and v.parameters["time_scale_h"] == 1.0
        assert v.provenance["run"] == str(run.pk)
    assert {c["name"] for c in run.report["calibrators"]} == {"HD_200001", "HD_200002", "HD_200003"}
