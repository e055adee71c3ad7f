"""The noise model follows production: a new L1 product's SNR samples appear without anyone asking."""
from __future__ import annotations

import pytest

from archive.models import ProductVersion
from pipelines import services
from pipelines.performance.models import SnrSample
from tests.pipelines.helpers import ingested_night_with_l1_run

pytestmark = pytest.mark.django_db


def test_an_l1_run_queues_the_samples_of_its_new_products(settings, django_capture_on_commit_callbacks):
    settings.PIPELINES_AUTO_L2 = False  # this test is about the noise model only
    _, run = ingested_night_with_l1_run()
    assert SnrSample.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.l1_run_execute(run=run)
    refreshes = [c for c in callbacks if "samples_refresh" in c.__qualname__]
    assert len(refreshes) == 1  # one extraction task per L1 run (the night's notification is another callback)
    versions = ProductVersion.objects.filter(product__calib_level=1)
    assert versions.count() == 6
    for version in versions:  # every new L1 product has one sample per baseline (6 telescopes: 15)
        samples = SnrSample.objects.filter(version=version)
        assert samples.count() == 15, version
        assert all(s.snr_v2 > 0 and s.instrument == "SPICA" for s in samples)

    # a second L1 run over the same night registers nothing new: no sample is added twice
    again = services.l1_run_create(night_id=run.night_id, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.l1_run_execute(run=again)
    assert SnrSample.objects.count() == 6 * 15


def test_the_beat_safety_net_fills_missing_samples_once(settings):
    settings.PIPELINES_AUTO_L2 = False
    _, run = ingested_night_with_l1_run()
    services.l1_run_execute(run=run)  # on-commit hook not run here (test transaction): samples missed
    assert SnrSample.objects.count() == 0
    from pipelines.performance.tasks import samples_refresh_task

    assert samples_refresh_task.delay().get()["samples"] == 6 * 15
    assert samples_refresh_task.delay().get()["samples"] == 0
    assert "performance.samples_refresh" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
