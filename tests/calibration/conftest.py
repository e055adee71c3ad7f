"""Fixtures: a synthetic SPICA night registered as L1 products in the archive."""
from __future__ import annotations

import datetime as dt

import pytest

from demo.calibration import register_synthetic_night


def register_night(tmp_path, *, date=dt.date(2023, 5, 12), **kwargs):
    return register_synthetic_night(tmp_path / "l1", date=date, **kwargs)


@pytest.fixture
def l1_night(db, tmp_path):
    return register_night(tmp_path)


@pytest.fixture(autouse=True)
def no_l3_refits(monkeypatch):
    """L2 registration does not queue the L3 refits here: these tests of L2 check no L3, and the fits and
    companion screens are most of a calibrated night's cost. The hand-off is recorded by
    test_services.py::test_night_calibration_writes_l2_with_truth and run in tests/analysis and by the demo
    story (tests/surveys/test_story_demo.py)."""
    monkeypatch.setattr("pipelines.calibration.services.target_l3_refresh_later", lambda target_id: None)
