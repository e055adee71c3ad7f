"""Known answers of the pure calibration maths (no database)."""
from __future__ import annotations

import numpy as np
import pytest

from demo.synthetic import l1 as syn
from pipelines.calibration import engine, oifits_io, transfer


def test_ud_visibility_known_values():
    # first null of 2 J1(x)/x at x = 3.8317: θ = 3.8317 / (π · spfreq · mas)
    spfreq = 3.8317 / (np.pi * 1.0 * transfer.MAS)
    assert abs(transfer.ud_visibility(np.array([spfreq]), 1.0)[0]) < 1e-4
    assert transfer.ud_vis2(np.array([0.0]), 1.0)[0] == 1.0
    # derivative check of the diameter error
    f = np.array([2e8])
    num = (transfer.ud_vis2(f, 1.001) - transfer.ud_vis2(f, 0.999)) / 0.002 * 0.05
    assert transfer.ud_vis2_error(f, 1.0, 0.05)[0] == pytest.approx(abs(num[0]), rel=1e-3)


def test_interpolation_schemes_on_a_linear_drift():
    t_cal = np.array([[0.0], [0.1], [0.2]])  # 3 visits, 1 baseline
    tf = np.array([0.8, 0.7, 0.6])[:, None, None] * np.ones((3, 1, 2))
    pts = transfer.TFPoints(tf, np.full_like(tf, 0.01), np.zeros_like(tf))
    lin = transfer.interpolate_tf(t_cal, pts, np.array([0.05]), scheme="linear")
    assert lin.value[0, 0] == pytest.approx(0.75)
    near = transfer.interpolate_tf(t_cal, pts, np.array([0.16]), scheme="nearest")
    assert near.value[0, 0] == pytest.approx(0.6)
    w = transfer.interpolate_tf(t_cal, pts, np.array([0.1]), scheme="weighted", time_scale_h=2.0)
    assert w.value[0, 0] == pytest.approx(0.7, abs=1e-9)  # symmetric neighbours
    assert w.dispersion[0, 0] > 0 and w.err[0, 0] > w.err_meas[0, 0]
    with pytest.raises(ValueError):
        transfer.interpolate_tf(t_cal, pts, np.array([0.1]), scheme="cubic")


def _calibrate(night, params: engine.CalParams | None = None, **kw):
    files = [oifits_io.read_l1(p) for p in night.files]
    diam = {s.name: engine.Diameter(s.diameter, s.diameter_err, "header")
            for s in night.stars.values() if not s.science}
    return engine.calibrate_setup(files, diam, {}, params or engine.CalParams(), **kw)


@pytest.mark.parametrize("scheme", ["weighted", "linear", "nearest"])
def test_synthetic_night_recovers_true_v2_and_diameter(tmp_path, scheme):
    night = syn.simulate_night(tmp_path, n_files=16, seed=11)
    res = _calibrate(night, engine.CalParams(scheme=scheme))
    assert len(res.science) == 8 and res.errors == []
    z, f, v, e = [], [], [], []
    for sr in res.science:
        truth = night.truth[sr.l1.path.name]["true_v2"]
        z.append(((sr.content.vis2 - truth) / sr.content.vis2_err).ravel())
        f.append(sr.l1.spfreq.ravel()), v.append(sr.content.vis2.ravel()), e.append(sr.content.vis2_err.ravel())
    z = np.concatenate(z)
    assert np.mean(np.abs(z) < 2) > 0.95  # errors are honest (not too small)
    assert np.mean(z**2) < 1.5
    fit = transfer.fit_ud_diameter(np.concatenate(f), np.concatenate(v), np.concatenate(e), guess=0.5)
    assert fit.diameter == pytest.approx(0.60, rel=0.01)


def test_closure_phases_corrected_for_instrumental_offset(tmp_path):
    night = syn.simulate_night(tmp_path, n_files=12, seed=5)
    res = _calibrate(night)
    resid = np.concatenate([transfer.wrap_deg(sr.content.t3phi - night.truth[sr.l1.path.name]["true_t3phi"]).ravel()
                            for sr in res.science])
    raw = np.concatenate([transfer.wrap_deg(sr.l1.t3phi - night.truth[sr.l1.path.name]["true_t3phi"]).ravel()
                          for sr in res.science])
    assert np.sqrt(np.mean(raw**2)) > 1.2  # 2 deg instrumental signature in the L1
    assert np.sqrt(np.mean(resid**2)) < 0.9  # back to the 0.5 deg noise level


def test_binary_calibrator_is_detected_with_evidence_and_excluded(tmp_path):
    cals = [syn.Star("HD_200001", 0.25, False, diameter_err=0.01),
            syn.Star("HD_200002", 0.30, False, diameter_err=0.01),
            syn.Star("HD_200003", 0.20, False, diameter_err=0.01),
            syn.Star("HD_200004", 0.25, False, diameter_err=0.01, binary=(0.4, 3.0, 40.0))]
    night = syn.simulate_night(tmp_path, n_files=24, calibrators=cals, seed=2)
    res = _calibrate(night)
    checks = {c["name"]: c for c in res.checks}
    assert checks["HD_200004"]["suspect"] and checks["HD_200004"]["closure_chi2"] > 3
    assert not any(checks[n]["suspect"] for n in ("HD_200001", "HD_200002", "HD_200003"))
    assert any(e["name"] == "HD_200004" and "suspect" in e["reason"] for e in res.excluded)
    assert all("HD_200004" not in sr.calibrators for sr in res.science)


def test_excluded_baseline_and_channels_are_flagged(tmp_path):
    night = syn.simulate_night(tmp_path, n_files=8, seed=4)
    res = _calibrate(night, engine.CalParams(excluded_baselines=("S1-S2",), excluded_channels=(0, 1)))
    sr = res.science[0]
    row = sr.l1.bl_keys.index("S1-S2")
    assert sr.content.vis2_flag[row].all() and sr.content.vis2_flag[:, :2].all()
    assert not sr.content.vis2_flag[row - 1 if row else row + 1, 2:].any()
    assert any(not p["used"] for p in res.tf_plot["points"] if p["bl"] == "S1-S2")


def test_ud_closure_phase_is_undetermined_near_a_null_and_with_the_diameter_error():
    """A 0.4 mas disk on a baseline whose first null (x = 3.8317) falls at 0.60 µm, 0.60–0.90 µm."""
    from issp_portal.visibility import MAS

    wave = np.linspace(0.60e-6, 0.90e-6, 61)
    b = 3.8317 * 0.60e-6 / (np.pi * 0.4 * MAS)
    u1, v1, u2, v2 = np.array([b]), np.array([0.0]), np.array([-b / 2]), np.array([0.0])  # sides b, b/2, b/2
    tight = transfer.ud_t3_undetermined(u1, v1, u2, v2, wave, 0.4, 0.0)[0]
    assert tight[0] and not tight[-1]  # at the null, and V² = 0.17 at 0.90 µm
    low = transfer.ud_vis2(b / wave, 0.4) < 0.05  # the b/2 sides stay above 0.5
    np.testing.assert_array_equal(tight, low)  # without a diameter error: the TF step's limit
    loose = transfer.ud_t3_undetermined(u1, v1, u2, v2, wave, 0.4, 0.05)[0]
    # ±5σ = ±0.25 mas: at 0.65 mas the long side is past its null over the whole band, at 0.4 before it
    assert loose.all() and tight.sum() < loose.sum()


def test_companion_screen_of_each_calibrator_by_the_others_names_the_binary(tmp_path):
    """Truth: the synthetic night's binary calibrator (40 %, 3 mas, PA 40°); the singles stay below 5σ."""
    cals = [syn.Star("HD_200001", 0.25, False, diameter_err=0.01),
            syn.Star("HD_200002", 0.30, False, diameter_err=0.01),
            syn.Star("HD_200004", 0.25, False, diameter_err=0.01, binary=(0.4, 3.0, 40.0))]
    night = syn.simulate_night(tmp_path, n_files=18, calibrators=cals, seed=2)
    res = _calibrate(night, engine.CalParams(companion_screen=True))
    checks = {c["name"]: c for c in res.checks}
    comp = checks["HD_200004"]["companion"]
    assert comp["detected"] and comp["nsigma"] >= 5
    assert comp["separation_mas"] == pytest.approx(3.0, abs=0.3)
    assert min(abs(comp["position_angle_deg"] - 40.0), abs(comp["position_angle_deg"] - 220.0)) < 10
    assert any(r.startswith("companion detected at") for r in checks["HD_200004"]["reasons"])
    for name in ("HD_200001", "HD_200002"):
        assert checks[name]["companion"] is not None and not checks[name]["companion"]["detected"], checks[name]
        assert not any(r.startswith("companion") for r in checks[name]["reasons"])
