"""End to end on the database: L1 products of a synthetic night -> L2 versions + run report."""
from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from archive.models import ProductVersion
from archive.storage import archive_root
from pipelines.calibration import services
from pipelines.models import PipelineRun
from surveys.models import CalibratorFlag

pytestmark = pytest.mark.django_db


def _l2(run):
    return ProductVersion.objects.filter(pk__in=[s["version_id"] for s in run.report["science"]])


def test_night_calibration_writes_l2_with_truth(l1_night, monkeypatch, django_capture_on_commit_callbacks):
    night, sim, _ = l1_night
    queued = []  # the L2 -> L3 hand-off, recorded (tests/analysis runs it)
    monkeypatch.setattr("pipelines.calibration.services.target_l3_refresh_later", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        runs = services.calibration_runs_start(night=night)
    assert len(runs) == 1
    run = PipelineRun.objects.get(pk=runs[0].pk)
    assert run.phase == "completed", run.error_summary
    assert run.done == run.total == 6
    report = run.report
    assert report["errors"] == [] and report["excluded"] == []
    assert {c["name"] for c in report["calibrators"]} == {"HD_200001", "HD_200002", "HD_200003"}
    assert all(c["source"] == "catalog" for c in report["calibrators"])
    versions = list(_l2(run))
    assert len(versions) == 6
    # several new L2 files of one target make one refit and one companion screen, not one per file (a screen
    # costs seconds, and each later one supersedes the one before)
    targets = sorted({v.product.target_id for v in versions})
    assert len(targets) < len(versions) and queued == targets
    for v in versions:
        assert v.product.calib_level == 2 and v.processing == "automatic" and v.software.startswith("issp-portal")
        assert v.parameters["scheme"] == "local" and v.parameters["time_scale_h"] == 2.0
        assert v.inputs.count() >= 2 and v.calibrators.count() >= 1
        assert v.validation_report["ok"] is True, v.validation_report  # archive.oifits_checks on the L2
        with fits.open(archive_root() / v.path) as hdul:
            h = hdul[0].header
            assert h["CONTENT"] == "OIFITS2" and h["PROCSOFT"].startswith("issp-portal")
            assert h["PRO CATG"] == "TARGET_CAL_INT" and h["PRO TF METHOD"] == "local"
            assert h["PRO CAL1 NAME"].startswith("HD_2000")
            mjd = hdul["OI_VIS2"].data["MJD"][0]
            name = next(n for n in sim.truth if sim.truth[n]["mjd"] == mjd)
            truth = sim.truth[name]["true_v2"]
            z = (hdul["OI_VIS2"].data["VIS2DATA"] - truth) / hdul["OI_VIS2"].data["VIS2ERR"]
            assert np.mean(np.abs(z) < 3) > 0.97


def test_rerun_same_parameters_reuses_versions_and_new_parameters_make_manual_version(l1_night, admin_user,
                                                                                        django_capture_on_commit_callbacks):
    night, _, _ = l1_night
    with django_capture_on_commit_callbacks(execute=True):
        first = services.calibration_runs_start(night=night)[0]
    with django_capture_on_commit_callbacks(execute=True):
        again = services.calibration_runs_start(night=night)[0]
    again.refresh_from_db()
    first.refresh_from_db()
    assert [s["version_id"] for s in again.report["science"]] == [s["version_id"] for s in first.report["science"]]
    assert not any(s["created"] for s in again.report["science"])
    with django_capture_on_commit_callbacks(execute=True):
        manual = services.calibration_runs_start(night=night, parameters={"scheme": "linear"}, processing="manual",
                                                 requested_by=admin_user)[0]
    manual.refresh_from_db()
    new = list(_l2(manual))
    assert all(v.number == 2 and v.processing == "manual" and v.processed_by == admin_user for v in new)
    assert all(v.product.current_version_id == v.pk for v in new)


def test_flagged_calibrator_excluded_and_missing_diameter_is_an_error(db, tmp_path, django_capture_on_commit_callbacks):
    from demo.synthetic import l1 as syn
    from surveys.models import Calibrator
    from tests.calibration.conftest import register_night

    cals = [syn.Star("HD_200001", 0.25, False, diameter_err=0.01),
            syn.Star("HD_200002", 0.30, False, diameter_err=0.01),
            syn.Star("HD_200009", 0.22, False, header_diameter=False)]
    night, _, _ = register_night(tmp_path, calibrators=cals,
                                 catalog={"HD_200001": (0.25, 0.01), "HD_200002": (0.30, 0.01), "HD_200009": None})
    CalibratorFlag.objects.create(calibrator=Calibrator.objects.get(name="HD_200002"), kind="be", comment="Be star")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.calibration_runs_start(night=night)[0]
    run.refresh_from_db()
    excluded = {e["name"]: e["reason"] for e in run.report["excluded"]}
    assert "Be star" in excluded["HD_200002"]
    assert "no diameter" in excluded["HD_200009"]
    assert any("HD_200009" in e and "no diameter" in e for e in run.report["errors"])
    assert [c["name"] for c in run.report["calibrators"]] == ["HD_200001"]
    assert all(s["calibrators"] == ["HD_200001"] for s in run.report["science"])


def test_bad_parameters_are_refused(l1_night):
    from domain.errors import ValidationFailed

    night, _, _ = l1_night
    with pytest.raises(ValidationFailed) as exc:
        services.calibration_runs_start(night=night, parameters={"scheme": "cubic"})
    assert "scheme" in exc.value.errors["parameters"]
    assert not PipelineRun.objects.filter(kind="l2").exists()
