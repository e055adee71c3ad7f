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
def _no_l3_refits_here(no_l3_refits):
    """These tests of L2 check no L3 (tests/conftest.py: no_l3_refits). The hand-off is recorded by
    test_services.py::test_night_calibration_writes_l2_with_truth and run in tests/analysis and by the demo
    story (tests/surveys/test_story_demo.py)."""
