"""L3 services: provenance, idempotence, refit on a new current L2, failures, survey runs with progress."""
from __future__ import annotations

import json

import pytest

from archive.models import ProductVersion
from archive.storage import absolute_path
from demo.analysis import l2_synthetic_create
from domain.errors import PermissionRefused
from pipelines.analysis import selectors, services
from pipelines.analysis.models import DiameterResult
from pipelines.models import PipelineRun

pytestmark = pytest.mark.django_db


def test_refresh_stores_an_l3_product_with_provenance(l2_target):
    target, l2 = l2_target
    [row] = services.target_l3_refresh(target=target)
    assert row.status == "ok" and row.ud_mas == pytest.approx(1.3, rel=0.01)
    assert row.instrument == "SPICA" and row.band == "R" and row.n_v2 == 4 * 15 * 24
    version = row.version
    assert version.product.calib_level == 3 and version.product.kind == "diameter"
    assert list(version.inputs.all()) == [l2]
    assert version.parameters["engine"] == "scipy" and version.parameters["model"] == ["ud", "ld"]
    assert version.product.t_max == pytest.approx(59000.4)
    content = json.loads(absolute_path(version.path).read_text())
    assert content["ud"]["theta"] == pytest.approx(row.ud_mas)
    assert content["inputs"][0]["sha256"] == l2.sha256


def test_refresh_is_a_no_op_when_nothing_changed_and_refits_on_a_new_current_l2(l2_target, issp):
    target, _ = l2_target
    [first] = services.target_l3_refresh(target=target)
    [again] = services.target_l3_refresh(target=target)
    assert again.version_id == first.version_id
    assert ProductVersion.objects.filter(product__calib_level=3).count() == 1
    assert selectors.stale_target_ids() == []
    l2_synthetic_create(target=target, program=issp, theta_mas=1.6, mjd=59000.3, seed=12)  # recalibrated L2
    assert selectors.stale_target_ids() == [target.pk]
    [refit] = services.target_l3_refresh(target=target)
    assert refit.ud_mas == pytest.approx(1.6, rel=0.01)
    assert refit.version.number == 2 and refit.version.product_id == first.version.product_id
    assert selectors.stale_target_ids() == []


def test_refresh_later_queues_the_task_after_commit(l2_target, django_capture_on_commit_callbacks):
    target, _ = l2_target
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.target_l3_refresh_later(target.pk)
    assert len(callbacks) == 1
    assert DiameterResult.objects.get(target=target).ud_mas == pytest.approx(1.3, rel=0.01)


def test_unreadable_l2_gives_a_failed_row_and_no_l3_product(issp):
    from archive.services import product_version_create

    target = issp.targets.order_by("name").last()
    product_version_create(calib_level=2, kind="oifits", program=issp, target=target, instrument="SPICA",
                           filename="broken.fits", content=b"this is not FITS" * 200, t_max=59000.0)
    [row] = services.target_l3_refresh(target=target)
    assert row.status == "failed" and "FITS" in row.error and row.version is None
    assert not ProductVersion.objects.filter(product__calib_level=3).exists()


def test_survey_run_fits_every_target_and_reports_progress(issp, demo, django_capture_on_commit_callbacks):
    targets = list(issp.targets.order_by("name")[:6])
    for i, t in enumerate(targets):
        l2_synthetic_create(target=t, program=issp, theta_mas=0.5 + 0.3 * i, mjd=59000.3, seed=i, n_times=2)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.survey_run_start(user=demo["admin"])
    run.refresh_from_db()
    assert run.kind == "l3" and run.phase == PipelineRun.Phase.COMPLETED
    assert (run.done, run.total) == (6, 6)
    assert run.report == {"fitted": 6, "failed": 0, "not_single_disk": 0}
    assert DiameterResult.objects.filter(run=run, status="ok").count() == 6


def test_survey_run_is_refused_to_users_without_a_role(demo):
    with pytest.raises(PermissionRefused):
        services.survey_run_start(user=demo["operator"])
