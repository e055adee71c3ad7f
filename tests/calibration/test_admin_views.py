"""Admin action "Re-run L2 calibration" (form, validation, manual runs) and the calibration pages."""
from __future__ import annotations

import pytest

from django.urls import reverse

from archive.models import ProductVersion
from pipelines.models import PipelineRun
from surveys.models import Night, Observation, Target

pytestmark = pytest.mark.django_db


def _post_action(client, model: str, ids, data=None):
    url = reverse(f"admin:surveys_{model}_changelist")
    payload = {"action": "rerun_l2_calibration", "_selected_action": [str(i) for i in ids]}
    payload.update(data or {})
    return client.post(url, payload)


def test_action_is_offered_on_nights_observations_targets(admin_client, l1_night):
    for model in ("night", "target"):  # Django shows actions only when the list has rows
        page = admin_client.get(reverse(f"admin:surveys_{model}_changelist"))
        assert page.status_code == 200
        assert b"Re-run L2 calibration" in page.content
    from django.contrib import admin

    from surveys.models import Observation as Obs
    assert any(getattr(a, "__name__", "") == "rerun_l2_calibration" for a in admin.site._registry[Obs].actions)


def test_action_shows_form_then_queues_manual_runs(admin_client, admin_user, l1_night,
                                                   django_capture_on_commit_callbacks):
    night, _, _ = l1_night
    form = _post_action(admin_client, "night", [night.pk])
    assert form.status_code == 200 and b"Time scale" in form.content and b"excluded_baselines" in form.content
    bad = _post_action(admin_client, "night", [night.pk], {"apply": "1", "scheme": "weighted", "time_scale_h": "2",
                                                            "excluded_baselines": "S1S2", "excluded_channels": "x"})
    assert bad.status_code == 200 and b"is not a station pair" in bad.content and b"not a channel index" in bad.content
    assert not PipelineRun.objects.filter(kind="l2").exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = _post_action(admin_client, "night", [night.pk], {
            "apply": "1", "scheme": "linear", "time_scale_h": "1.5", "excluded_baselines": "s2-s1",
            "excluded_channels": "0-2, 59", "excluded_calibrators": ""})
    assert done.status_code == 302
    run = PipelineRun.objects.get(kind="l2")
    assert run.phase == "completed" and run.processing == "manual" and run.requested_by == admin_user
    assert run.parameters["excluded_baselines"] == ["S1-S2"] and run.parameters["excluded_channels"] == [0, 1, 2, 59]
    versions = ProductVersion.objects.filter(product__calib_level=2)
    assert versions.count() == 6
    assert all(v.processing == "manual" and v.processed_by == admin_user for v in versions)
    page = admin_client.get(reverse("admin:calibration_calibrationrun_change", args=[run.pk]))
    assert page.status_code == 200 and b"HD_200001" in page.content


def test_action_on_target_restricts_to_that_target(admin_client, l1_night, django_capture_on_commit_callbacks):
    night, _, _ = l1_night
    target = Target.objects.get(name="HD_100001")
    with django_capture_on_commit_callbacks(execute=True):
        _post_action(admin_client, "target", [target.pk], {"apply": "1", "scheme": "weighted", "time_scale_h": "2"})
    run = PipelineRun.objects.get(kind="l2")
    assert run.parameters["only_target_ids"] == [target.pk] and run.total == 6
    assert Observation.objects.count() == 0 and Night.objects.count() == 1


def test_pages_show_runs_report_and_plot(admin_client, client, l1_night, django_capture_on_commit_callbacks):
    from pipelines.calibration import services

    night, _, _ = l1_night
    with django_capture_on_commit_callbacks(execute=True):
        run = services.calibration_runs_start(night=night)[0]
    listing = admin_client.get(reverse("calibration:run-list"))
    assert listing.status_code == 200 and night.date.isoformat().encode() in listing.content
    detail = admin_client.get(reverse("calibration:run-detail", args=[run.pk]))
    body = detail.content.decode()
    assert detail.status_code == 200 and "plotly.min.js" in body and "interpolated TF" in body
    assert "HD_200002" in body and "Nothing excluded" in body
    progress = admin_client.get(reverse("calibration:run-progress", args=[run.pk])).json()
    assert progress == {"id": str(run.pk), "phase": "completed", "done": 6, "total": 6, "error_summary": ""}
    assert admin_client.get(reverse("calibration:night-runs", args=[night.date.isoformat()])).status_code == 200
    assert client.get(reverse("calibration:run-detail", args=[run.pk])).status_code == 302  # login first
