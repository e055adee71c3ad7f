"""The L3 companion screen: product and provenance, redone only on a new current L2, survey run with progress,
the table, the target page and the exports through the access policy. Truth: the portal's synthetic L2
(`synthetic.py`, its own visibility code, not the search's model)."""
from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from astropy.io.votable import parse_single_table

from django.urls import reverse

from archive.models import ProductVersion
from archive.storage import absolute_path
from demo.analysis import l2_synthetic_create
from demo.synthetic.l2 import Companion
from pipelines.analysis import companion_services, selectors, services
from pipelines.analysis.models import CompanionResult
from pipelines.models import PipelineRun

pytestmark = pytest.mark.django_db
TRUTH = Companion(flux_ratio=0.10, dra_mas=4.0, ddec_mas=-3.0, diameter_mas=0.0)  # 5 mas, PA 126.87°, 10 %, point


@pytest.fixture
def binary(issp):
    target = issp.targets.order_by("name")[1]
    version = l2_synthetic_create(target=target, program=issp, theta_mas=1.0, mjd=59000.3, seed=3, n_times=2,
                                  companion=TRUTH)
    return target, version


def test_screen_finds_the_injected_companion_and_stores_the_l3_product(binary):
    target, l2 = binary
    [row] = companion_services.target_companion_refresh(target=target)
    assert row.status == "ok" and row.detected is True and row.nsigma > 20
    assert row.separation_mas == pytest.approx(5.0, abs=0.15)
    assert row.position_angle_deg == pytest.approx(np.degrees(np.arctan2(4.0, -3.0)) % 360, abs=2.0)
    assert row.flux_ratio_percent == pytest.approx(10.0, abs=1.5)
    assert row.limit5_5mas is not None and 0 < row.limit5_5mas < 10.0
    assert row.limit5_20mas is None and row.rmax_mas < 20  # 20 mas lies beyond SPICA's smearing field of view
    product = row.version.product
    assert (product.calib_level, product.kind, product.t_max) == (3, "companion", pytest.approx(59000.4))
    assert list(row.version.inputs.all()) == [l2]
    content = json.loads(absolute_path(row.version.path).read_text())
    assert content["companion"]["separation_mas"] == pytest.approx(row.separation_mas)
    assert len(content["chi2_map"]["delta_chi2"]) == len(content["chi2_map"]["y_mas"])
    assert len(content["limits"]["flux_ratio_5sigma_percent"]) == content["parameters"]["limit_grid"]["n_radii"]


def test_screen_is_redone_only_when_the_current_l2_changes(l2_target, issp):
    target, _ = l2_target
    [first] = companion_services.target_companion_refresh(target=target)
    assert first.detected is False and first.nsigma < 5
    [again] = companion_services.target_companion_refresh(target=target)
    assert again.version_id == first.version_id and companion_services.stale_target_ids() == []
    assert ProductVersion.objects.filter(product__kind="companion").count() == 1
    l2_synthetic_create(target=target, program=issp, theta_mas=1.3, mjd=59000.3, seed=12, companion=TRUTH)
    assert companion_services.stale_target_ids() == [target.pk]
    [redone] = companion_services.target_companion_refresh(target=target)
    assert redone.detected is True and redone.version.number == 2


@pytest.mark.companion_auto
def test_a_new_l2_queues_the_diameter_fit_and_the_screen(l2_target, django_capture_on_commit_callbacks):
    target, _ = l2_target
    with django_capture_on_commit_callbacks(execute=True):
        services.target_l3_refresh_later(target.pk)
    assert CompanionResult.objects.get(target=target).status == "ok"
    assert target.diameter_results.get().status == "ok"


def test_unreadable_l2_gives_a_failed_screen(issp):
    from archive.services import product_version_create

    target = issp.targets.order_by("name").last()
    product_version_create(calib_level=2, kind="oifits", program=issp, target=target, instrument="SPICA",
                           filename="broken.fits", content=b"this is not FITS" * 200, t_max=59000.0)
    [row] = companion_services.target_companion_refresh(target=target)
    assert row.status == "failed" and row.error and row.version is None


def test_survey_screen_runs_in_chunks_with_progress(issp, demo, django_capture_on_commit_callbacks, settings):
    settings.ANALYSIS_CHUNK_SIZE = 2
    targets = list(issp.targets.order_by("name")[:3])
    for i, t in enumerate(targets):
        l2_synthetic_create(target=t, program=issp, theta_mas=0.8, mjd=59000.3, seed=i, n_times=2,
                            companion=TRUTH if i == 0 else None)
    with django_capture_on_commit_callbacks(execute=True):
        run = companion_services.companion_run_start(user=demo["admin"])
    run.refresh_from_db()
    assert run.kind == "l3" and run.phase == PipelineRun.Phase.COMPLETED and (run.done, run.total) == (3, 3)
    assert run.parameters["product"] == "companion"
    assert run.report == {"screened": 3, "failed": 0, "detected": 1}


def _csv(client, query=""):
    text = client.get(reverse("analysis:diameter-export", args=["csv"]) + query).content.decode()
    return {r["target"]: r for r in csv.DictReader(io.StringIO(text))}


def test_table_page_and_exports_show_the_screen_only_when_readable(client, demo, issp, binary):
    target, _ = binary
    services.target_l3_refresh(target=target)
    [comp] = companion_services.target_companion_refresh(target=target)
    url = reverse("analysis:diameter-table")
    client.force_login(demo["pi_ext"])  # PI of another program: ISSP data public after the embargo (MJD 59000)
    page = client.get(url).content.decode()
    assert f"{comp.separation_mas:.2f}" in page and f"{comp.flux_ratio_percent:.2f}" in page
    assert target.name in client.get(url + "?companion=detected").content.decode()
    assert target.name not in client.get(url + "?companion=none").content.decode()
    row = _csv(client)[target.name]
    assert row["companion_detected"] == "yes" and float(row["companion_sep"]) == pytest.approx(comp.separation_mas)
    vot = parse_single_table(io.BytesIO(client.get(reverse("analysis:diameter-export", args=["vot"])).content))
    assert "companion_nsigma" in vot.array.dtype.names and str(vot.fields[[f.name for f in vot.fields].index(
        "companion_sep")].unit) == "mas"
    detail = client.get(reverse("analysis:target-detail", args=[target.pk])).content.decode()
    assert "companion detected" in detail and 'id="cfig-' in detail and "Detection limits" in detail

    # the same screen under embargo (its L2 is recent): hidden from the outsider, in every view
    CompanionResult.objects.filter(pk=comp.pk).update(t_max=99999.0)
    page = client.get(url).content.decode()
    assert f"{comp.separation_mas:.2f}" not in page
    assert target.name not in client.get(url + "?companion=detected").content.decode()
    assert _csv(client)[target.name]["companion_detected"] == ""
    assert target.name not in _csv(client, "?companion=detected")
    detail = client.get(reverse("analysis:target-detail", args=[target.pk])).content.decode()
    assert "Companion screen" not in detail and 'id="cfig-' not in detail
    client.force_login(demo["pi_issp"])  # the program's PI still sees it
    assert f"{comp.separation_mas:.2f}" in client.get(url).content.decode()


def test_sort_on_companion_values_orders_readable_rows_only(demo, issp):
    from pipelines.analysis.models import DiameterResult

    targets = list(issp.targets.order_by("name")[:4])
    for i, t in enumerate(targets):
        t_max = 99999.0 if i == 0 else 59000.0  # the first is under embargo
        DiameterResult.objects.create(target=t, program=issp, instrument="SPICA", input_fingerprint="x",
                                      ud_mas=1.0, t_max=t_max)
        CompanionResult.objects.create(target=t, program=issp, instrument="SPICA", input_fingerprint="x",
                                       detected=i % 2 == 0, nsigma=[50.0, 3.0, 8.0, 1.0][i], t_max=t_max)
    rows = list(selectors.policy_rows(user=demo["pi_ext"], sort="comp_n", descending=True))
    assert [r.target_id for r in rows] == [targets[2].pk, targets[1].pk, targets[3].pk, targets[0].pk]
    shown = selectors.companions_shown(user=demo["pi_ext"], rows=rows)
    assert set(shown) == {r.pk for r in rows[:3]}
    assert [r.target_id for r in selectors.policy_rows(user=demo["pi_ext"], companion="detected")] == [
        targets[2].pk]
