"""The demo step calibrates the showcase night and flags its binary calibrator."""
from __future__ import annotations

import pytest

from pipelines.calibration import demo
from pipelines.models import PipelineRun
from surveys.models import CalibratorFlag

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent_and_shows_a_suspect(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = demo.load()
    assert "2024-05-12" in first
    run = PipelineRun.objects.get(kind="l2", night__date=demo.SHOWCASE_DATE)
    assert run.phase == "completed", run.error_summary
    assert [s["name"] for s in run.report["suspects"]] == ["HD_200004"]
    flag = CalibratorFlag.objects.get(calibrator__name="HD_200004", kind="suspect")
    assert flag.active and "binarity" in flag.comment and flag.evidence["closure_chi2"] > 3
    # a proposal of its night, waiting for a person
    assert flag.state == "proposed" and flag.night == demo.SHOWCASE_DATE and flag.declared_by is None
    with django_capture_on_commit_callbacks(execute=True):
        demo.load()
    again = PipelineRun.objects.filter(kind="l2", night__date=demo.SHOWCASE_DATE).order_by("-created").first()
    # same night: excluded by its proposal, with the same L2 content: versions reused
    assert any(e["name"] == "HD_200004" and "Suspect" in e["reason"] for e in again.report["excluded"])
    assert not any(s["created"] for s in again.report["science"])
    assert CalibratorFlag.objects.filter(calibrator__name="HD_200004", kind="suspect").count() == 1
