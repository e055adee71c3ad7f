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


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Tasks run in-process here even when a broker is configured (the worker test sends them for real)."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from issp_portal.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old
