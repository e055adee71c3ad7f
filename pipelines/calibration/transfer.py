"""Transfer-function maths of L2 calibration: pure numpy/scipy, no Django.

Arrays are vectorised over (calibrator visit, baseline, channel). Conventions:
spatial frequencies in rad⁻¹ (B/λ), diameters in mas, times in MJD, closure
phases in degrees. A NaN TF point means "not usable" (flagged, excluded, or a
calibrator visibility too close to a null to be trusted).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares
from scipy.special import jv

from issp_portal.visibility import MAS, ud_vis2, ud_visibility

SCHEMES = ("nearest", "linear", "weighted", "local")


# --- uniform disk --------------------------------------------------------------------------------
def ud_vis2_error(spfreq: np.ndarray, diam_mas: float, diam_err: float) -> np.ndarray:
    """σ(V²_UD) from the diameter error: |dV²/dθ| σθ = 4 |V J2(x)| σθ/θ."""
    if diam_mas <= 0:
        return np.zeros_like(np.asarray(spfreq, dtype=float))
    x = np.pi * diam_mas * MAS * np.asarray(spfreq, dtype=float)
    return 4.0 * np.abs(ud_visibility(spfreq, diam_mas) * jv(2, x)) * diam_err / diam_mas


def ud_t3(u1, v1, u2, v2, wave, diam_mas: float) -> tuple[np.ndarray, np.ndarray]:
    """UD bispectrum amplitude and closure phase (0 or 180 deg) per triangle × channel."""
    wave = np.asarray(wave)[None, :]
    f1 = np.hypot(u1, v1)[:, None] / wave
    f2 = np.hypot(u2, v2)[:, None] / wave
    f3 = np.hypot(np.asarray(u1) + u2, np.asarray(v1) + v2)[:, None] / wave
    prod = ud_visibility(f1, diam_mas) * ud_visibility(f2, diam_mas) * ud_visibility(f3, diam_mas)
    return np.abs(prod), np.where(prod < 0, 180.0, 0.0)


def ud_t3_undetermined(u1, v1, u2, v2, wave, diam_mas: float, diam_err: float, *, min_model_vis2: float = 0.05,
                       n_sigma: float = 5.0) -> np.ndarray:
    """Triangle × channel mask where the UD closure phase cannot be removed: near a null of one baseline.

    The model closure phase jumps by 180° where one baseline's visibility changes sign; the channel of
    that jump moves with the diameter, so a catalogue diameter within its error can put it one channel
    off and leave a 180° residual. Left out: any baseline's model V² below `min_model_vis2` (the TF
    step's limit), or a sign of the bispectrum that changes within ± n_sigma·diam_err.
    """
    wave = np.asarray(wave)[None, :]
    freqs = [np.hypot(u1, v1)[:, None] / wave, np.hypot(u2, v2)[:, None] / wave,
             np.hypot(np.asarray(u1) + u2, np.asarray(v1) + v2)[:, None] / wave]
    low = np.any([ud_vis2(f, diam_mas) < min_model_vis2 for f in freqs], axis=0)
    signs = [np.sign(np.prod([ud_visibility(f, max(d, 1e-6)) for f in freqs], axis=0))
             for d in (diam_mas - n_sigma * diam_err, diam_mas, diam_mas + n_sigma * diam_err)]
    return low | (signs[0] != signs[1]) | (signs[1] != signs[2])


def wrap_deg(phi: np.ndarray) -> np.ndarray:
    return (np.asarray(phi) + 180.0) % 360.0 - 180.0


# --- transfer function per calibrator visit ------------------------------------------------------
@dataclass
class TFPoints:
    """TF² of one calibrator visit: values, measurement error and diameter error (same shape)."""

    tf2: np.ndarray
    err_meas: np.ndarray
    err_diam: np.ndarray

    @property
    def err(self) -> np.ndarray:
        return np.hypot(self.err_meas, self.err_diam)


def transfer_function(vis2: np.ndarray, vis2_err: np.ndarray, spfreq: np.ndarray, diam: float, diam_err: float,
                      min_model_vis2: float = 0.05) -> TFPoints:
    """TF² = V²_meas / V²_UD; points where V²_UD < min_model_vis2 are unusable (NaN)."""
    model = ud_vis2(spfreq, diam)
    model_err = ud_vis2_error(spfreq, diam, diam_err)
    ok = model >= min_model_vis2
    safe = np.where(ok, model, 1.0)
    tf2 = np.where(ok, vis2 / safe, np.nan)
    err_meas = np.where(ok, vis2_err / safe, np.nan)
    err_diam = np.where(ok, np.abs(vis2) * model_err / safe**2, np.nan)
    return TFPoints(tf2, err_meas, err_diam)


# --- interpolation --------------------------------------------------------------------------------
@dataclass
class Interpolated:
    """TF interpolated at science times, with its error budget (all (nbl, nch)).

    `err_meas` (calibrator photon noise through the weights) and `dispersion` (the TF's own
    visit-to-visit scatter, which does not average down for the science visit) are statistical;
    `diam_terms[s]` is the signed TF² shift if calibrator star `stars[s]`'s diameter were 1σ larger:
    common to every point calibrated with that star, so it is kept apart (`err_diam` = their quadrature sum).
    """

    value: np.ndarray
    err_meas: np.ndarray
    err_diam: np.ndarray
    dispersion: np.ndarray
    weights: np.ndarray = field(repr=False)  # (ncal, nbl, nch), normalised (may be < 0 for "local")
    diam_terms: np.ndarray | None = field(default=None, repr=False)  # (nstar, nbl, nch)
    stars: np.ndarray | None = field(default=None, repr=False)  # star ids of diam_terms' first axis

    @property
    def err(self) -> np.ndarray:
        return np.sqrt(self.err_meas**2 + self.err_diam**2 + self.dispersion**2)

    @property
    def err_stat(self) -> np.ndarray:
        return np.hypot(self.err_meas, self.dispersion)


def time_weights(t_cal: np.ndarray, t_sci: np.ndarray, time_scale_h: float, sky_dist_deg: np.ndarray | None = None,
                 sky_scale_deg: float | None = None) -> np.ndarray:
    """Gaussian weights exp(-(Δt/τ)²)·exp(-(Δθ/s)²), shape (ncal, nbl) (genoca's kernel)."""
    dt = (t_sci[None, :] - t_cal) * 24.0 / time_scale_h
    g = np.exp(-(dt**2))
    if sky_dist_deg is not None and sky_scale_deg:
        g = g * np.exp(-((np.asarray(sky_dist_deg)[:, None] / sky_scale_deg) ** 2))
    return g


def _local_linear(w: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Weights of a weighted straight-line fit evaluated at d = 0 (the science time).

    a_k = w_k (S2 − S1 d_k) / (S0 S2 − S1²), S_m = Σ w d^m: exact for a linearly drifting TF, so
    no lag at the start and end of a night (a weighted mean pulls towards the middle). Falls back
    to the weighted mean where the fit is degenerate (one visit, or all visits at one time).
    """
    s0, s1, s2 = w.sum(axis=0), (w * d).sum(axis=0), (w * d * d).sum(axis=0)
    det = s0 * s2 - s1**2
    ok = det > 1e-9 * np.maximum(s0 * s2, 1e-300)
    lin = w * (s2[None] - s1[None] * d) / np.where(ok, det, 1.0)[None]
    mean = w / np.where(s0 > 0, s0, 1.0)[None]
    return np.where(ok[None], lin, mean)


def _scheme_weights(scheme: str, t_cal: np.ndarray, t_sci: np.ndarray, valid: np.ndarray, sigma: np.ndarray,
                    gauss: np.ndarray) -> np.ndarray:
    """Unnormalised weights (ncal, nbl, nch) of each calibrator visit for each science point."""
    ncal, nbl, nch = valid.shape
    if scheme == "weighted":
        return np.where(valid, gauss[:, :, None] / sigma**2, 0.0)
    dt = t_sci[None, :] - t_cal  # (ncal, nbl): >0 when calibrator before science
    if scheme == "local":
        w = np.where(valid, gauss[:, :, None] / sigma**2, 0.0)
        return _local_linear(w, np.broadcast_to(-dt[:, :, None], valid.shape))
    big = np.inf
    w = np.zeros((ncal, nbl, nch))
    dt3 = np.broadcast_to(dt[:, :, None], valid.shape)
    if scheme == "nearest":
        dist = np.where(valid, np.abs(dt3), big)
        idx = np.argmin(dist, axis=0)
        has = np.isfinite(np.min(dist, axis=0))
        np.put_along_axis(w, idx[None], has[None].astype(float), axis=0)
        return w
    if scheme != "linear":
        raise ValueError(f"unknown interpolation scheme {scheme!r}; use one of {SCHEMES}")
    before = np.where(valid & (dt3 >= 0), dt3, big)
    after = np.where(valid & (dt3 < 0), -dt3, big)
    ib, ia = np.argmin(before, axis=0), np.argmin(after, axis=0)
    db, da = np.min(before, axis=0), np.min(after, axis=0)
    both = np.isfinite(db) & np.isfinite(da)
    only_b = np.isfinite(db) & ~np.isfinite(da)
    only_a = ~np.isfinite(db) & np.isfinite(da)
    span = np.where(both, db + da, 1.0)
    wb = np.where(both, da / span, np.where(only_b, 1.0, 0.0))
    wa = np.where(both, db / span, np.where(only_a, 1.0, 0.0))
    np.put_along_axis(w, ib[None], wb[None], axis=0)
    cur = np.take_along_axis(w, ia[None], axis=0)
    np.put_along_axis(w, ia[None], cur + wa[None], axis=0)
    return w


def _normalised(scheme, t_cal, t_sci, valid, sigma, gauss) -> tuple[np.ndarray, np.ndarray]:
    w = _scheme_weights(scheme, t_cal, t_sci, valid, sigma, gauss)
    wsum = w.sum(axis=0)
    has = np.abs(wsum) > 1e-12
    return w / np.where(has, wsum, 1.0), has


def tf_jitter(t_cal: np.ndarray, points: TFPoints, *, scheme: str, time_scale_h: float,
              err_floor: float = 0.02) -> float:
    """Relative visit-to-visit scatter of the TF (beyond photon noise), pooled over the setup.

    Each calibrator visit is predicted from the *other* visits (leave-one-out, same scheme); its
    residual r has variance σ_meas,k² + Σ a² σ_meas² + J² TF² (1 + Σ a²). J² is the pooled excess
    over every baseline, channel and visit (a per-visit jitter is common to a record's channels,
    so pooling over channels alone would see one draw per visit). 0 with fewer than 3 visits.
    """
    ncal = points.tf2.shape[0]
    if ncal < 3:
        return 0.0
    num, den = 0.0, 0.0
    for k in range(ncal):
        others = np.arange(ncal) != k
        sub = TFPoints(points.tf2[others], points.err_meas[others], points.err_diam[others])
        valid = np.isfinite(sub.tf2)
        sigma = np.maximum(err_floor, np.nan_to_num(sub.err_meas, nan=1.0))
        a, has = _normalised(scheme, t_cal[others], t_cal[k], valid, sigma,
                             time_weights(t_cal[others], t_cal[k], time_scale_h))
        pred = (a * np.nan_to_num(sub.tf2)).sum(axis=0)
        var_meas = points.err_meas[k] ** 2 + (a**2 * np.nan_to_num(sub.err_meas) ** 2).sum(axis=0)
        gain = (1.0 + (a**2).sum(axis=0)) * pred**2
        r2 = (points.tf2[k] - pred) ** 2
        ok = has & np.isfinite(r2) & np.isfinite(var_meas) & (gain > 0)
        num += float(np.sum((r2 - var_meas)[ok]))
        den += float(np.sum(gain[ok]))
    return float(np.sqrt(max(num, 0.0) / den)) if den > 0 else 0.0


def interpolate_tf(t_cal: np.ndarray, points: TFPoints, t_sci: np.ndarray, *, scheme: str = "weighted",
                   time_scale_h: float = 2.0, star_index: np.ndarray | None = None,
                   sky_dist_deg: np.ndarray | None = None, sky_scale_deg: float | None = None,
                   err_floor: float = 0.02, jitter: float | None = None) -> Interpolated:
    """Interpolate TF² (ncal, nbl, nch) at the science times t_sci (nbl,).

    Errors: the measurement errors propagate with the weights; the diameter error is
    correlated between visits of one calibrator star (summed linearly per star, kept per
    star in `diam_terms`). The dispersion is the TF's own visit-to-visit scatter J (relative):
    the science visit has its own draw, which no averaging removes, and the interpolated value
    carries the calibrators' draws through the weights: J·TF·√(1 + Σa²). J comes from
    `tf_jitter` when not given. Weights use the measurement errors only (except "weighted", which
    keeps genoca's total-error weights): a diameter error shifts all visits of a star together and
    is no reason to trust one visit less.
    """
    tf2 = points.tf2
    valid = np.isfinite(tf2)
    weight_err = points.err if scheme == "weighted" else points.err_meas  # "weighted" keeps genoca's weights
    sigma = np.maximum(err_floor, np.nan_to_num(weight_err, nan=1.0))
    gauss = time_weights(t_cal, t_sci, time_scale_h, sky_dist_deg, sky_scale_deg)
    a, has = _normalised(scheme, t_cal, t_sci, valid, sigma, gauss)
    tf0 = np.nan_to_num(tf2)
    value = np.where(has, (a * tf0).sum(axis=0), np.nan)
    err_meas = np.sqrt((a**2 * np.nan_to_num(points.err_meas) ** 2).sum(axis=0))
    if star_index is None:
        star_index = np.arange(tf2.shape[0])
    stars = np.unique(star_index)
    terms = np.array([(a[star_index == s] * np.nan_to_num(points.err_diam[star_index == s])).sum(axis=0)
                      for s in stars]) if stars.size else np.zeros((0,) + value.shape)
    if jitter is None:
        jitter = tf_jitter(t_cal, points, scheme=scheme, time_scale_h=time_scale_h, err_floor=err_floor)
    dispersion = jitter * np.abs(np.nan_to_num(value)) * np.sqrt(1.0 + (a**2).sum(axis=0))
    nan = ~np.isfinite(value)
    for arr in (err_meas, dispersion):
        arr[nan] = np.nan
    terms = np.where(nan[None], np.nan, terms)
    err_diam = np.sqrt((terms**2).sum(axis=0)) if stars.size else np.zeros_like(value)
    return Interpolated(value, err_meas, err_diam, dispersion, a, terms, stars)


def calibrate_vis2(vis2: np.ndarray, vis2_err: np.ndarray, tf: Interpolated) -> tuple[np.ndarray, np.ndarray]:
    """V²_cal = V²_sci / TF²; σ² = (σ_sci/TF²)² + (V²_cal σ_TF/TF²)²."""
    cal = vis2 / tf.value
    err = np.sqrt((vis2_err / tf.value) ** 2 + (cal * tf.err / tf.value) ** 2)
    return cal, err


def interpolate_phase(phi_cal: np.ndarray, phi_err: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted circular mean of calibrator phases (deg) with the given normalised weights."""
    z = (weights * np.exp(1j * np.deg2rad(np.nan_to_num(phi_cal)))).sum(axis=0)
    mean = np.rad2deg(np.angle(z))
    err = np.sqrt((weights**2 * np.nan_to_num(phi_err) ** 2).sum(axis=0))
    return mean, err


def calibrate_closure_phase(t3phi: np.ndarray, t3phi_err: np.ndarray, t_cal: np.ndarray, cal_phi: np.ndarray,
                            cal_err: np.ndarray, t_sci: np.ndarray, *, scheme: str, time_scale_h: float,
                            err_floor_deg: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Subtract the interpolated instrumental closure phase (calibrator phase minus its UD model)."""
    valid = np.isfinite(cal_phi)
    sigma = np.maximum(err_floor_deg, np.nan_to_num(cal_err, nan=1e3))
    gauss = time_weights(t_cal, t_sci, time_scale_h)
    w = _scheme_weights(scheme, t_cal, t_sci, valid, sigma, gauss)
    wsum = w.sum(axis=0)
    a = w / np.where(wsum > 0, wsum, 1.0)
    inst, inst_err = interpolate_phase(cal_phi, cal_err, a)
    out = wrap_deg(t3phi - inst)
    err = np.sqrt(t3phi_err**2 + inst_err**2)
    out = np.where(wsum > 0, out, np.nan)
    return out, np.where(wsum > 0, err, np.nan)


# --- UD fit and calibrator diagnostics ----------------------------------------------------------
@dataclass(frozen=True)
class UDFit:
    diameter: float
    error: float
    chi2r: float
    n: int


def fit_ud_diameter(spfreq: np.ndarray, vis2: np.ndarray, vis2_err: np.ndarray, guess: float = 1.0) -> UDFit:
    """Least-squares UD diameter on V² (finite points with positive error only)."""
    spfreq, vis2, vis2_err = (np.ravel(np.asarray(a, dtype=float)) for a in (spfreq, vis2, vis2_err))
    ok = np.isfinite(vis2) & np.isfinite(vis2_err) & (vis2_err > 0)
    f, y, s = spfreq[ok], vis2[ok], vis2_err[ok]
    if f.size < 2:
        return UDFit(float("nan"), float("nan"), float("nan"), int(f.size))
    res = least_squares(lambda p: (ud_vis2(f, p[0]) - y) / s, x0=[max(guess, 1e-3)], bounds=([0.0], [100.0]))
    dof = max(1, f.size - 1)
    chi2r = float(np.sum(res.fun**2) / dof)
    jac = res.jac
    cov = np.linalg.pinv(jac.T @ jac)
    return UDFit(float(res.x[0]), float(np.sqrt(cov[0, 0])), chi2r, int(f.size))
