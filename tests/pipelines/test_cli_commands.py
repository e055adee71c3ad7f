"""`manage.py calibrate` and `manage.py fit` on real files (oifits_check: tests/archive/test_oifits_rules.py).

calibrate: the Aspro2 SPICA simulations of zeta Oph (UD 1.00 and 2.00 mas) turned into an L1 night by a
known transfer function (the recipe of tests/calibration/test_aspro2_truth.py), plus a real PIONIER file and
a text file that must not stop the batch. fit: Aspro2 files with known diameters, real MIRC-X beta Ari.
"""
from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from django.core.management import call_command
from django.core.management.base import CommandError

from pipelines.calibration import transfer
from tests.calibration.test_aspro2_truth import ASPRO, CALS, spica_copy, tf2

DATA = Path(__file__).resolve().parents[1] / "data" / "oifits"
MIRCX = DATA / "MIRCX_L2.2023Oct14._bet_Ari.MIRCX_IDL.nn.AVG10m.fits"
PIONIER = DATA / "PIONI.2014-09-21T09_19_32.752_oidataCalibrated.fits"


def _l1_night(folder: Path, true_diameter: float = 1.0, header_diameters: bool = True) -> np.ndarray:
    """CAL-SCI-CAL-SCI-CAL from a real Aspro2 file; returns the science truth V²."""
    folder.mkdir(parents=True, exist_ok=True)
    src = ASPRO[true_diameter]
    with fits.open(src) as hdul:
        v2 = hdul["OI_VIS2"].data
        truth, truth_err = np.array(v2["VIS2DATA"]), np.array(v2["VIS2ERR"])
        spf = np.hypot(v2["UCOORD"], v2["VCOORD"])[:, None] / hdul["OI_WAVELENGTH"].data["EFF_WAVE"][None, :]
        wave = np.array(hdul["OI_WAVELENGTH"].data["EFF_WAVE"])
    nbl = truth.shape[0]
    for k, (hours, cal) in enumerate([(0.0, "HD_300001"), (1.0, None), (2.0, "HD_300002"), (3.0, None),
                                      (4.0, "HD_300001")]):
        if cal is None:
            spica_copy(src, folder / f"{k}_sci.fits", name="zet_Oph", science=True, hours=hours,
                       vis2=truth * tf2(hours, wave, nbl), vis2_err=truth_err * tf2(hours, wave, nbl))
        else:
            model = transfer.ud_vis2(spf, CALS[cal]) * tf2(hours, wave, nbl)
            spica_copy(src, folder / f"{k}_{cal}.fits", name=cal, science=False, hours=hours, vis2=model,
                       vis2_err=np.full_like(model, 0.002), diameter=CALS[cal] if header_diameters else None)
    return truth


def test_calibrate_folder_from_headers_recovers_the_aspro2_truth(tmp_path, db):
    truth = _l1_night(tmp_path / "l1")
    out = StringIO()
    call_command("calibrate", str(tmp_path / "l1"), "--out", str(tmp_path / "l2"), "--diameters", "header",
                 "--scheme", "linear", "--no-suspect-detection", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] and report["files_read"] == 5 and report["read_errors"] == []
    (group,) = report["groups"]
    assert group["setup"].startswith("SPICA/LR/750.0/60ch") and group["errors"] == []
    assert {k: v["source"] for k, v in group["diameters"].items()} == {"HD_300001": "header", "HD_300002": "header"}
    assert len(group["science"]) == 2 and all(s["check"]["verdict"] == "ok" for s in group["science"])
    assert json.loads((tmp_path / "l2" / "calibration_report.json").read_text())["l2_files"] == report["l2_files"]
    for name in report["l2_files"]:
        with fits.open(tmp_path / "l2" / name) as l2:
            ok = ~l2["OI_VIS2"].data["FLAG"] & np.isfinite(truth)
            np.testing.assert_allclose(l2["OI_VIS2"].data["VIS2DATA"][ok], truth[ok], rtol=1e-5)
    fitted = StringIO()  # and the L2 files straight into the survey fit: the Aspro2 diameter
    call_command("fit", *(str(tmp_path / "l2" / n) for n in report["l2_files"]), "--bootstrap", "0", "--json",
                 stdout=fitted)
    (result,) = json.loads(fitted.getvalue())["results"]
    assert result["target"] == "Zeta Oph" and result["ud"]["theta"] == pytest.approx(1.00, rel=3e-3)


def test_calibrate_names_a_binary_calibrator_of_a_two_calibrator_night(tmp_path, db):
    from demo.synthetic.l1 import Star, simulate_night

    cals = [Star("HD_200001", 0.25, False, diameter_err=0.015, binary=(0.3, 5.0, 40.0)),
            Star("HD_200002", 0.22, False, diameter_err=0.013)]
    simulate_night(tmp_path / "l1", n_files=12, calibrators=cals)
    out = StringIO()
    call_command("calibrate", str(tmp_path / "l1"), "--out", str(tmp_path / "l2"), "--diameters", "header",
                 stdout=out)
    (group,) = json.loads((tmp_path / "l2" / "calibration_report.json").read_text())["groups"]
    assert group["suspects"] == ["HD_200001"]
    assert all(s["calibrators"] == ["HD_200002"] for s in group["science"]) and len(group["science"]) == 6
    assert "suspect calibrator HD_200001" in out.getvalue()


def test_calibrate_uses_the_catalogue_and_a_bad_file_does_not_stop_the_batch(tmp_path, db):
    from surveys.models import Calibrator

    _l1_night(tmp_path / "l1", header_diameters=False)
    (tmp_path / "l1" / "notes.fits").write_text("not a FITS file")
    (tmp_path / "l1" / PIONIER.name).write_bytes(PIONIER.read_bytes())  # real, but not a SPICA/MIRC-X L1 file
    for name, d in CALS.items():
        Calibrator.objects.create(name=name, ra_deg=10.0, dec_deg=20.0, udd_r=d, e_udd_r=0.005, source="test")
    out = StringIO()
    with pytest.raises(CommandError, match="could not be calibrated"):
        call_command("calibrate", str(tmp_path / "l1"), "--out", str(tmp_path / "l2"), "--scheme", "linear",
                     "--no-suspect-detection", stdout=out)
    report = json.loads((tmp_path / "l2" / "calibration_report.json").read_text())
    assert sorted(e["file"] for e in report["read_errors"]) == sorted(["notes.fits", PIONIER.name])
    assert len(report["l2_files"]) == 2  # the two science files were calibrated all the same
    assert {v["source"] for v in report["groups"][0]["diameters"].values()} == {"catalog"}
    text = out.getvalue()
    assert "unreadable notes.fits" in text and "HD_300001 0.200±0.005 mas (catalog)" in text


def test_calibrate_without_any_diameter_says_so_and_bad_parameters_are_refused(tmp_path, db):
    _l1_night(tmp_path / "l1", header_diameters=False)
    with pytest.raises(CommandError):
        call_command("calibrate", str(tmp_path / "l1"), "--out", str(tmp_path / "l2"), "--diameters", "header",
                     stdout=StringIO())
    report = json.loads((tmp_path / "l2" / "calibration_report.json").read_text())
    assert report["l2_files"] == [] and any("no diameter" in e for e in report["groups"][0]["errors"])
    given = StringIO()  # the same night with diameters given on the command line
    call_command("calibrate", str(tmp_path / "l1"), "--out", str(tmp_path / "l2b"), "--diameters", "header",
                 "--diameter", "HD_300001=0.20:0.005", "--diameter", "HD_300002=0.28:0.005", "--scheme", "linear",
                 "--no-suspect-detection", stdout=given)
    assert "2 L2 files written" in given.getvalue() and "(command line)" in given.getvalue()
    with pytest.raises(CommandError, match="invalid parameter: scheme"):
        call_command("calibrate", str(tmp_path / "l1"), "--out", str(tmp_path / "x"), "--scheme", "nope")
    with pytest.raises(CommandError, match="NAME=VALUE"):
        call_command("calibrate", str(tmp_path / "l1"), "--out", str(tmp_path / "x"), "--diameter", "HD_1=abc")
    with pytest.raises(CommandError, match="no such folder"):
        call_command("calibrate", str(tmp_path / "none"), "--out", str(tmp_path / "x"))


def test_fit_json_on_aspro2_and_real_mircx_files(db):
    out = StringIO()
    call_command("fit", str(ASPRO[1.0]), str(MIRCX), "--spectral-type", "K1.5IIIb", "--bootstrap", "20", "--json",
                 stdout=out)
    doc = json.loads(out.getvalue())
    by_target = {r["target"]: r for r in doc["results"]}
    assert doc["errors"] == [] and set(by_target) == {"Zeta Oph", "bet Ari"}
    zeta = by_target["Zeta Oph"]
    assert zeta["ud"]["theta"] == pytest.approx(1.00, rel=2e-3) and zeta["flags"] == []  # Aspro2 UD 1.00 mas
    assert zeta["bands"] == ["R", "I"] and zeta["ld"]["coeff_range"][0] < zeta["ld"]["coeff_range"][1]
    assert "Claret & Bloemen 2011, K1.5IIIb" in zeta["ld_coeff_source"] and zeta["ud"]["err_bootstrap"] > 0
    ari = by_target["bet Ari"]
    assert "not_single_disk" in ari["flags"] and ari["band"] == "H" and ari["closure"]["single_disk"] is False


def test_fit_text_and_bad_inputs(tmp_path, db):
    out = StringIO()
    bad = tmp_path / "bad.fits"
    bad.write_text("nothing")
    call_command("fit", str(ASPRO[2.0]), str(bad), "--bootstrap", "0", stdout=out)
    text = out.getvalue()
    assert text.startswith("Zeta Oph (O9.2IVnn)") and "UD 2.00" in text and "not fitted: " in text  # SPECTYP
    assert "Claret & Bloemen 2011, O9.2IV (Teff" in text
    unknown = StringIO()
    call_command("fit", str(ASPRO[2.0]), "--bootstrap", "0", "--spectral-type", "UNKNOWN", stdout=unknown)
    assert "default G5III: spectral type 'UNKNOWN' not readable" in unknown.getvalue()
    with pytest.raises(CommandError, match="no target could be fitted"):
        call_command("fit", str(bad), stdout=StringIO())
    with pytest.raises(CommandError, match="no such file"):
        call_command("fit", str(tmp_path / "none.fits"))
