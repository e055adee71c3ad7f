"""Companion screen of each calibrator, on its data calibrated by the other calibrators of the setup. No Django.

Evidence for the suspect-calibrator verdict beside the two of `verdicts.py`: calibrator A's V² are divided
by the transfer function interpolated from the *other* stars' visits only, its closure phases corrected
by their instrumental closure phase, and the result screened for a companion with the survey's search in
detection mode (`SETTING`: no bootstrap, no second pass, no limits). The other stars' diameter errors
and the night's TF jitter go in as correlated terms (one column per star, one per record, as the L2 error
split), so neither a catalogue diameter within its error nor a visit's achromatic TF draw reads as
structure. A companion names A when it lies outside the resolution λ/B_max (a
"companion" inside it is the primary's own shape, e.g. a diameter error) and beats the threshold of the
night: 5σ for the night as a whole, shared by the calibrators screened (`night_threshold`). Not named:
the echo of a stronger detection of the same companion on another star (a binary calibrator imprints its
companion on the stars it calibrates). Needs at least one other calibrator star; a star whose data cannot
be screened (too few points) is left out. With two calibrators, the echo rule names the stronger one.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import norm

from pipelines.analysis.companion.data import BinaryData, ClosureSet, Vis2Set
from pipelines.analysis.companion.search import companion_search
from pipelines.calibration import transfer as tfm

MIN_POINTS = 30
# detection only; the field ends at rmax_mas (or the smearing field), fitted companions inside
# floor × λ/B_max are not companions
SETTING = {"n_starts": 4, "nsigma_night": 5.0, "rmax_mas": 30.0, "floor": 1.0}


def night_threshold(n_screened: int, nsigma_night: float = 5.0) -> float:
    """Per-calibrator nσ such that the night's screens together have the false-alarm rate of one
    nsigma_night test (Bonferroni over the calibrators screened): 5.0σ for one star, 5.14σ for 2, 5.28σ for 4."""
    p_night = 2 * norm.sf(nsigma_night)
    return float(norm.isf(p_night / (2 * max(n_screened, 1))))


def _vis2_set(ia, ib, *, star_index, t_cal, A, points, wave, band, time_scale_h, jitter) -> Vis2Set | None:
    """A's V² calibrated by the other stars: statistical errors, and as correlated terms the signed V² shift
    if another star's diameter were 1σ larger (the L2 error split's VIS2ERR_CAL columns) and the TF jitter
    of each record (VIS2ERR_VISIT: one draw common to the record's channels)."""
    sub = tfm.TFPoints(points.tf2[ib], points.err_meas[ib], points.err_diam[ib])
    cols = {k: [] for k in ("u", "v", "wavelength", "band", "vis2", "err", "record", "cal", "visit")}
    nbl, nch = A["vis2"].shape[1:]
    for n, i in enumerate(ia):
        tf = tfm.interpolate_tf(t_cal[ib], sub, t_cal[i], scheme="local", time_scale_h=time_scale_h,
                                star_index=star_index[ib], jitter=jitter)
        vis2 = A["vis2"][i] / tf.value
        err = np.sqrt((A["vis2_err"][i] / tf.value) ** 2 + (A["vis2"][i] * tf.err_meas / tf.value**2) ** 2)
        cols["cal"].append((-vis2[None] * tf.diam_terms / tf.value).reshape(len(tf.stars), -1).T)
        cols["visit"].append((np.abs(vis2) * tf.dispersion / tf.value).ravel())
        cols["u"].append(np.repeat(A["u"][i], nch))
        cols["v"].append(np.repeat(A["v"][i], nch))
        cols["wavelength"].append(np.tile(wave, nbl))
        cols["band"].append(np.tile(band, nbl))
        cols["vis2"].append(vis2.ravel())
        cols["err"].append(err.ravel())
        cols["record"].append(np.repeat(n * nbl + np.arange(nbl), nch))
    c = {k: np.concatenate(v) for k, v in cols.items()}
    ok = (np.isfinite(c["vis2"]) & np.isfinite(c["err"]) & (c["err"] > 0) & np.isfinite(c["u"])
          & np.isfinite(c["cal"]).all(axis=1))
    if ok.sum() < MIN_POINTS:
        return None
    c = {k: v[ok] for k, v in c.items()}
    cal, visit = c.pop("cal"), c.pop("visit")
    labels, row = np.unique(c["record"], return_inverse=True)
    per_record = np.zeros((visit.size, labels.size))
    per_record[np.arange(visit.size), row] = np.nan_to_num(visit)
    total = np.sqrt(c["err"] ** 2 + (cal**2).sum(axis=1) + np.nan_to_num(visit) ** 2)
    return Vis2Set(night=np.zeros(c["vis2"].size, int), err_stat=c.pop("err"),
                   calibration=np.concatenate([cal, per_record], axis=1), err=total, **c)


def _closure_set(ia, ib, *, t3, wave, band, time_scale_h, first_record: int) -> ClosureSet:
    cols = {k: [] for k in ("u1", "v1", "u2", "v2", "wavelength", "band", "cp", "err", "record")}
    if t3 is not None:
        ntri, nch = t3["t3phi"].shape[1:]
        for n, i in enumerate(ia):
            cp, err = tfm.calibrate_closure_phase(t3["t3phi"][i], t3["t3phi_err"][i], t3["t3_mjd"][ib], t3["inst"][ib],
                                                  t3["t3phi_err"][ib], t3["t3_mjd"][i], scheme="local",
                                                  time_scale_h=time_scale_h)
            for key in ("u1", "v1", "u2", "v2"):
                cols[key].append(np.repeat(t3[key][i], nch))
            cols["wavelength"].append(np.tile(wave, ntri))
            cols["band"].append(np.tile(band, ntri))
            cols["cp"].append(cp.ravel())
            cols["err"].append(err.ravel())
            cols["record"].append(first_record + np.repeat(n * ntri + np.arange(ntri), nch))
    if not cols["cp"]:
        empty = np.zeros(0)
        return ClosureSet(empty, empty, empty, empty, empty, empty, empty, empty, np.zeros(0, int), np.zeros(0, int))
    c = {k: np.concatenate(v) for k, v in cols.items()}
    ok = np.isfinite(c["cp"]) & np.isfinite(c["err"]) & (c["err"] > 0) & np.isfinite(c["u1"])
    c = {k: v[ok] for k, v in c.items()}
    return ClosureSet(night=np.zeros(c["cp"].size, int), **c)


def screen_calibrators(*, names: list[str], star_index: np.ndarray, t_cal: np.ndarray, A: dict,
                       points: tfm.TFPoints, wave: np.ndarray, t3: dict | None, time_scale_h: float,
                       options: dict = SETTING) -> dict[str, dict]:
    """{calibrator name: companion summary} for every star screened (module docstring)."""
    band = np.abs(np.gradient(wave)) if wave.size > 1 else np.full(wave.size, 0.05 * wave[0])
    jitter = tfm.tf_jitter(t_cal, points, scheme="local", time_scale_h=time_scale_h)
    sets = {}
    for s in np.unique(star_index):
        ia, ib = np.flatnonzero(star_index == s), np.flatnonzero(star_index != s)
        if ib.size == 0:
            continue
        vis2 = _vis2_set(ia, ib, star_index=star_index, t_cal=t_cal, A=A, points=points, wave=wave, band=band,
                         time_scale_h=time_scale_h, jitter=jitter)
        if vis2 is None:
            continue
        cp = _closure_set(ia, ib, t3=t3, wave=wave, band=band, time_scale_h=time_scale_h,
                          first_record=int(vis2.record.max()) + 1)
        sets[names[int(ia[0])]] = BinaryData(vis2=vis2, cp=cp)
    threshold = night_threshold(len(sets), options["nsigma_night"])
    return _echoes_removed({name: screen_one(data, threshold, options) for name, data in sets.items()})


def screen_one(data: BinaryData, threshold: float, options: dict = SETTING) -> dict:
    """The companion summary of one calibrator's data (detection only)."""
    scale = data.smallest_scale_mas
    result = companion_search(data, threshold=threshold, n_starts=options["n_starts"], n_boot=0, step=scale,
                              rmax=min(data.smearing_fov_mas, options["rmax_mas"]), limits=False,
                              second_pass=False)
    best, floor = result.best, options["floor"] * scale
    resolved = best is not None and best.separation >= floor
    return {"detected": bool(result.detected and resolved), "nsigma": best.nsigma if best else None,
            "separation_mas": best.separation if best else None,
            "position_angle_deg": best.position_angle if best else None,
            "flux_ratio_percent": 100 * best.flux_ratio if best else None, "threshold": threshold,
            "floor_mas": floor, "inside_resolution": best is not None and not resolved,
            "n_points": result.n_points}


def _same_companion(a: dict, b: dict) -> bool:
    """Same separation (25 %) and position angle modulo 180° (30°): one binary seen through the TF (the echo
    is fitted on a star of its own, so its position is rough)."""
    dpa = abs((a["position_angle_deg"] - b["position_angle_deg"] + 90.0) % 180.0 - 90.0)
    return abs(a["separation_mas"] - b["separation_mas"]) <= 0.25 * max(a["separation_mas"], 1e-3) and dpa <= 30.0


def _echoes_removed(found: dict[str, dict]) -> dict[str, dict]:
    """A binary calibrator imprints its companion (inverted) on every star it calibrates: of the stars
    showing the same companion, only the strongest detection names a star; the others are echoes."""
    detected = sorted((n for n, s in found.items() if s["detected"]), key=lambda n: -found[n]["nsigma"])
    for i, name in enumerate(detected):
        source = next((m for m in detected[:i] if found[m]["detected"] and _same_companion(found[m], found[name])),
                      None)
        if source is not None:
            found[name] = {**found[name], "detected": False, "echo_of": source}
    return found


def companion_reason(summary: dict) -> str:
    return (f"companion detected at {summary['nsigma']:.0f} sigma (separation {summary['separation_mas']:.2f} mas, "
            f"PA {summary['position_angle_deg']:.0f} deg, flux ratio {summary['flux_ratio_percent']:.1f} %) "
            "in its data calibrated by the other calibrators")
