"""The demo step calibrates the showcase night and flags its binary calibrator."""
from __future__ import annotations

import pytest

from demo import calibration as cal_demo
from pipelines.models import PipelineRun
from surveys.models import CalibratorFlag

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent_and_shows_a_suspect(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = cal_demo.load()
    assert "2024-05-12" in first
    run = PipelineRun.objects.get(kind="l2", night__date=cal_demo.SHOWCASE_DATE)
    assert run.phase == "completed", run.error_summary
    assert [s["name"] for s in run.report["suspects"]] == ["HD_200004"]
    flag = CalibratorFlag.objects.get(calibrator__name="HD_200004", kind="suspect")
    assert flag.active and "binarity" in flag.comment and flag.evidence["closure_chi2"] > 3
    # a proposal of its night, waiting for a person
    assert flag.state == "proposed" and flag.night == cal_demo.SHOWCASE_DATE and flag.declared_by is None
    _showcase_night_has_the_observations_its_data_come_from()
    with django_capture_on_commit_callbacks(execute=True):
        cal_demo.load()
    again = PipelineRun.objects.filter(kind="l2", night__date=cal_demo.SHOWCASE_DATE).order_by("-created").first()
    # same night: excluded by its proposal, with the same L2 content: versions reused
    assert any(e["name"] == "HD_200004" and "Suspect" in e["reason"] for e in again.report["excluded"])
    assert not any(s["created"] for s in again.report["science"])
    assert CalibratorFlag.objects.filter(calibrator__name="HD_200004", kind="suspect").count() == 1


def _showcase_night_has_the_observations_its_data_come_from():
    """Checked on the first load above (the step costs seconds: it is loaded once for both checks)."""
    from archive.models import Product
    from domain.site import night_date, night_of_mjd
    from surveys.models import Night

    night = Night.objects.get(date=cal_demo.SHOWCASE_DATE)
    observations = list(night.observations.prefetch_related("calibrators").select_related("target"))
    assert [o.target.name for o in observations] == ["HD_100001"] and observations[0].status == "executed"
    assert sorted(c.name for c in observations[0].calibrators.all()) == [
        "HD_200001", "HD_200002", "HD_200003", "HD_200004"]
    # One night, one date: the observation's times and every file's MJD fall in the night they are filed under.
    assert {night_date(o.start) for o in observations} == {night_date(o.end) for o in observations} == {night.date}
    mjds = Product.objects.filter(night=night, calib_level=1).values_list("t_min", flat=True)
    assert len(mjds) == 24 and {night_of_mjd(m) for m in mjds} == {night.date}
    assert night.allocations.get().program == observations[0].program
