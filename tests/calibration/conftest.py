"""Fixtures: a synthetic SPICA night registered as L1 products in the archive."""
from __future__ import annotations

import datetime as dt

import pytest

from pipelines.calibration.demo import register_synthetic_night


def register_night(tmp_path, *, date=dt.date(2023, 5, 12), **kwargs):
    return register_synthetic_night(tmp_path / "l1", date=date, **kwargs)


@pytest.fixture
def l1_night(db, tmp_path):
    return register_night(tmp_path)
