"""Aspro2 SPICA simulations of zeta Oph as science truth: degrade by a known TF, calibrate, recover."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time

from archive.oifits_checks import check_oifits
from pipelines.calibration import engine, oifits_io, transfer

DATA = Path(__file__).resolve().parent.parent / "data" / "oifits"
ASPRO = {1.0: DATA / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits",
         2.0: DATA / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-13.fits"}
CALS = {"HD_300001": 0.20, "HD_300002": 0.28}


def tf2(t_h: float, wave: np.ndarray, nbl: int) -> np.ndarray:
    """Known TF²: linear drift in time, chromatic, one level per baseline."""
    return (0.8 - 0.02 * t_h) * (1 - 0.1 * (wave - 0.75e-6) / 0.3e-6)[None, :] * (1 - 0.01 * np.arange(nbl))[:, None]


def spica_copy(src: Path, dst: Path, *, name: str, science: bool, hours: float, vis2: np.ndarray,
               vis2_err: np.ndarray, diameter: float | None = None) -> Path:
    """The Aspro2 file with SPICA L1 keywords, shifted in time, with the given V²."""
    with fits.open(src) as hdul:
        mjd0 = float(hdul["OI_VIS2"].data["MJD"][0])
        mjd = mjd0 + hours / 24.0
        iso = Time(mjd, format="mjd").isot.split(".")[0]
        h = hdul[0].header
        for key, val in [("INSTRUME", "SPICA"), ("MJD-OBS", mjd), ("DATE-OBS", iso), ("OBJECT", name),
                         ("HIERARCH PRO CATG", "TARGET_RAW_INT" if science else "CALIB_RAW_INT"),
                         ("HIERARCH PRO SCIENCE", science), ("HIERARCH OBS TARG NAME", name),
                         ("HIERARCH TPL START", iso), ("HIERARCH INS RESOL", "LR"),
                         ("HIERARCH INS CENTRAL WL", 750.0), ("HIERARCH INS STS ST", False)]:
            h[key] = val
        if diameter is not None:
            h["HIERARCH JSDC DIAMETER"], h["HIERARCH JSDC DIAMETER ERROR"] = diameter, 0.005
        for ext in ("OI_VIS2", "OI_VIS", "OI_T3"):
            hdul[ext].data["MJD"] = mjd
        hdul["OI_VIS2"].data["VIS2DATA"] = vis2
        hdul["OI_VIS2"].data["VIS2ERR"] = vis2_err
        hdul.writeto(dst, overwrite=True)
    return dst


@pytest.mark.parametrize("true_diameter", [1.0, 2.0])
def test_aspro2_zeta_oph_recovered_after_known_tf(tmp_path, true_diameter):
    src = ASPRO[true_diameter]
    with fits.open(src) as hdul:
        v2 = hdul["OI_VIS2"].data
        truth, truth_err = np.array(v2["VIS2DATA"]), np.array(v2["VIS2ERR"])
        flag = np.array(v2["FLAG"])
        spf = np.hypot(v2["UCOORD"], v2["VCOORD"])[:, None] / hdul["OI_WAVELENGTH"].data["EFF_WAVE"][None, :]
        wave = np.array(hdul["OI_WAVELENGTH"].data["EFF_WAVE"])
    nbl = truth.shape[0]
    paths = []
    for k, (hours, cal) in enumerate([(0.0, "HD_300001"), (1.0, None), (2.0, "HD_300002"), (3.0, None),
                                      (4.0, "HD_300001")]):
        if cal is None:
            paths.append(spica_copy(src, tmp_path / f"{k}_sci.fits", name="zet_Oph", science=True, hours=hours,
                                    vis2=truth * tf2(hours, wave, nbl), vis2_err=truth_err * tf2(hours, wave, nbl)))
        else:
            model = transfer.ud_vis2(spf, CALS[cal]) * tf2(hours, wave, nbl)
            paths.append(spica_copy(src, tmp_path / f"{k}_{cal}.fits", name=cal, science=False, hours=hours,
                                    vis2=model, vis2_err=np.full_like(model, 0.002), diameter=CALS[cal]))
    files = [oifits_io.read_l1(p) for p in paths]
    diam = {n: engine.Diameter(d, 0.005, "header") for n, d in CALS.items()}
    res = engine.calibrate_setup(files, diam, {}, engine.CalParams(scheme="linear", detect_suspects=False))
    assert len(res.science) == 2 and res.errors == []
    for sr in res.science:
        ok = ~flag & np.isfinite(sr.content.vis2)
        np.testing.assert_allclose(sr.content.vis2[ok], truth[ok], rtol=1e-6, atol=1e-9)
        fit = transfer.fit_ud_diameter(sr.l1.spfreq[ok], sr.content.vis2[ok], sr.content.vis2_err[ok],
                                       guess=true_diameter * 0.9)
        assert fit.diameter == pytest.approx(true_diameter, rel=0.01)
        # the written L2 is a valid OIFITS2 file even though the Aspro2 input is OIFITS v1
        out = oifits_io.write_l2(sr.l1.path, tmp_path / f"L2_{sr.l1.path.name}", sr.content, engine.SOFTWARE)
        report = check_oifits(out)
        assert report.ok and report.version == 2, report.errors
        with fits.open(out) as l2:
            np.testing.assert_allclose(l2["OI_VIS2"].data["VIS2DATA"][ok], truth[ok], rtol=1e-6)
            assert l2[0].header["PROCSOFT"] == engine.SOFTWARE and l2[0].header["CONTENT"] == "OIFITS2"
