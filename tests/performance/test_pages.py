"""Performance pages and exports, from L1 products made by the real stand-in reduction."""
import io

import numpy as np
import pytest
from astropy.io.votable import parse_single_table

from demo import performance as perf_demo
from pipelines.performance.models import SnrSample
from pipelines.performance.selectors import expected_snr, mode_summaries
from pipelines.performance.services import samples_refresh


@pytest.fixture
def measured(demo):
    """The pipelines demo night: synthetic raw files ingested and reduced to L1 by the stand-in."""
    from demo import ingest as pipelines_demo

    pipelines_demo.load()
    return samples_refresh()


@pytest.mark.django_db
def test_samples_come_from_every_l1_baseline_once(measured):
    from archive.models import ProductVersion

    l1 = ProductVersion.objects.filter(product__calib_level=1).count()
    assert l1 > 0 and measured["failed"] == []
    assert SnrSample.objects.count() == measured["samples"] > 0
    sample = SnrSample.objects.filter(version__isnull=False).first()
    assert sample.instrument == "SPICA" and sample.snr_v2 > 0 and sample.dit_s == pytest.approx(0.005)
    assert sample.mag == sample.target.mag_r  # SPICA's band is R
    assert samples_refresh()["samples"] == 0  # idempotent


@pytest.mark.django_db
def test_synthetic_history_fit_recovers_the_demo_law(db):
    SnrSample.objects.bulk_create(perf_demo.synthetic_history())
    mr720 = next(m for m in mode_summaries(instrument="SPICA") if m.mode == "MR720")
    assert mr720.fit is not None
    # the history mixes two laws (before/after May); the fit lands between them
    assert perf_demo.BEFORE.zp - 0.1 < mr720.fit.law.zp < perf_demo.AFTER.zp + 0.1
    snr_bright = expected_snr(instrument="SPICA", mode="MR720", mag=3.0)
    snr_faint = expected_snr(instrument="SPICA", mode="MR720", mag=8.0)
    assert snr_bright > snr_faint > 0
    assert expected_snr(instrument="SPICA", mode="HR", mag=3.0) is None  # no data for that mode


@pytest.mark.django_db
def test_pages_and_exports(client, demo):
    SnrSample.objects.bulk_create(perf_demo.synthetic_history(n=200))
    assert client.get("/performance/").status_code == 302  # login required
    client.force_login(demo["pi_issp"])
    page = client.get("/performance/")
    assert page.status_code == 200
    assert b"MR720" in page.content and b"plotly-figure" in page.content and b"demo" in page.content
    csv_text = client.get("/performance/export/parameters.csv").content.decode()
    assert csv_text.splitlines()[0].startswith("instrument,mode,n_points,zp")
    assert "SPICA,MR720" in csv_text
    vot = client.get("/performance/export/bins.vot")
    table = parse_single_table(io.BytesIO(vot.content)).to_table()
    assert {"mag_min", "snr_median", "sample_ids"} <= set(table.colnames)
    assert np.all(table["n"] > 0)
    # every sample is in exactly one bin of its mode
    assert int(table["n"].sum()) == SnrSample.objects.exclude(mag__isnull=True).count()
    assert client.get("/performance/export/nope.csv").status_code == 404
