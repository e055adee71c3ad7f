"""Calibrator verdicts that hold with two calibrators (CAL–SCI–CAL). Pure numpy/scipy, no Django.

Two pieces of evidence, each with the catalogue diameter errors inside the statistic:

- **Own closure phases.** A calibrator's raw closure phase is the instrument's plus its own (0 for
  a single disk). The instrumental part is smooth in wavelength, so per visit and triangle a
  quadratic in λ₀/λ is fitted and the residual χ²ᵣ tested: a companion adds a chromatic
  modulation the smooth term cannot follow. This needs no second calibrator and names the star.
- **Pair consistency.** Calibrator A divided by the TF of calibrator B (interpolated at A's times)
  must look like a uniform disk: ρ = s_(visit, baseline) · V²_UD(θ_A) · V²_UD(θ_B,cat) / V²_UD(θ_B),
  with one free achromatic scale per visit and baseline (TF drift and jitter), θ_A and θ_B free
  but tied to their catalogue values by priors (θ − θ_cat)/σ_cat. A diameter off by its quoted
  error costs ~1 in χ²; a companion's chromatic modulation costs thousands (χ²ᵣ test), a
  diameter far outside its error shows as a tension between the priors and the data (Δχ² test,
  threshold 25 = 5σ). A bad pair alone cannot say which star is at fault.

Verdict: a star with bad own closure phases is named suspect; with ≥ 3 stars, a star that is
inconsistent with every other while those agree among themselves is named; a bad pair left
unexplained is reported "pair inconsistent, cannot tell which" and the setup is not calibrated.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from scipy.optimize import least_squares

from pipelines.calibration.transfer import TFPoints, interpolate_tf, ud_vis2

LAMBDA0 = 0.75e-6


@dataclass
class Verdict:
    checks: list[dict] = field(default_factory=list)  # one per calibrator star
    suspects: set[str] = field(default_factory=set)
    unresolved: list[tuple[str, str, float, float]] = field(default_factory=list)  # (a, b, χ²ᵣ, tension)


def own_closure_chi2(phi: np.ndarray, err: np.ndarray, wave: np.ndarray) -> tuple[float, int]:
    """χ²ᵣ of closure phases (nvis, ntri, nch, deg, UD model removed) about a quadratic in λ₀/λ per record."""
    x = LAMBDA0 / np.asarray(wave) - 1.0
    design = np.stack([np.ones_like(x), x, x * x], axis=1)
    chi2, dof = 0.0, 0
    for rec_phi, rec_err in zip(phi.reshape(-1, x.size), err.reshape(-1, x.size), strict=True):
        ok = np.isfinite(rec_phi) & np.isfinite(rec_err) & (rec_err > 0)
        if ok.sum() <= 4:
            continue
        w = 1.0 / rec_err[ok]
        # unwrap around the record's circular mean so a ±180° jump is not a signal
        ref = np.rad2deg(np.angle(np.mean(np.exp(1j * np.deg2rad(rec_phi[ok])))))
        y = (rec_phi[ok] - ref + 180.0) % 360.0 - 180.0
        coef, *_ = np.linalg.lstsq(design[ok] * w[:, None], y * w, rcond=None)
        chi2 += float(np.sum(((y - design[ok] @ coef) * w) ** 2))
        dof += int(ok.sum()) - 3
    return (chi2 / dof if dof > 0 else float("nan")), dof


def pair_chi2(ia: np.ndarray, ib: np.ndarray, *, t_cal: np.ndarray, vis2: np.ndarray, vis2_err: np.ndarray,
              spfreq: np.ndarray, points: TFPoints, diam: np.ndarray, derr: np.ndarray,
              time_scale_h: float) -> tuple[float, float, int]:
    """(χ²ᵣ, tension, dof) of calibrator A (visits ia) calibrated by B (visits ib) against a UD.

    χ²ᵣ: with the diameters held by their catalogue priors (shape: a companion's modulation).
    tension: Δχ² between that fit and one with free diameters, divided by the free fit's χ²ᵣ
    when above 1: how many σ² the pair's V² pull the two diameters off their catalogue values
    (a wrong catalogue diameter, or a companion too close to modulate within the band). A per-
    point χ²ᵣ dilutes such a tension over thousands of points, hence its own statistic.
    """
    sub = TFPoints(points.tf2[ib], points.err_meas[ib], points.err_diam[ib])
    rho, sig, f = [], [], []
    for i in ia:
        tf = interpolate_tf(t_cal[ib], sub, t_cal[i], scheme="local", time_scale_h=time_scale_h, jitter=0.0)
        rho.append(vis2[i] / tf.value)
        sig.append(np.sqrt((vis2_err[i] / tf.value) ** 2 + (vis2[i] * tf.err_meas / tf.value**2) ** 2))
        f.append(spfreq[i])
    rho, sig, f = np.array(rho), np.array(sig), np.array(f)
    ok = np.isfinite(rho) & np.isfinite(sig) & (sig > 0)
    if ok.sum() < 10:
        return float("nan"), float("nan"), 0
    rho, sig, w = np.where(ok, rho, 0.0), np.where(ok, sig, 1.0), ok / np.where(ok, sig, 1.0) ** 2
    ta, tb = float(diam[ia[0]]), float(diam[ib[0]])
    sa, sb = (max(float(derr[k[0]]), 1e-3 * max(diam[k[0]], 1e-3)) for k in (ia, ib))
    fixed_b = ud_vis2(f, tb)

    def resid(p):
        m = ud_vis2(f, p[0]) * fixed_b / np.maximum(ud_vis2(f, p[1]), 1e-6)
        s = (w * rho * m).sum(axis=2, keepdims=True) / np.maximum((w * m * m).sum(axis=2, keepdims=True), 1e-300)
        r = ((rho - s * m) / sig)[ok]
        return np.concatenate([r, [(p[0] - ta) / sa, (p[1] - tb) / sb]])

    sol = least_squares(resid, [ta, tb], bounds=([1e-4, 1e-4], [50.0, 50.0]), x_scale=[sa, sb])
    free = least_squares(lambda p: resid(p)[:-2], sol.x, bounds=([1e-4, 1e-4], [50.0, 50.0]), x_scale=[sa, sb])
    n_scales = int(np.any(ok, axis=2).sum())
    dof = int(ok.sum()) - n_scales
    if dof <= 0:
        return float("nan"), float("nan"), 0
    chi2r_free = float(2.0 * free.cost / max(dof - 2, 1))
    tension = max(0.0, 2.0 * (sol.cost - free.cost)) / max(1.0, chi2r_free)
    return float(2.0 * sol.cost / dof), tension, dof


def judge(*, names: list[str], star_index: np.ndarray, t_cal: np.ndarray, vis2: np.ndarray, vis2_err: np.ndarray,
          spfreq: np.ndarray, points: TFPoints, diam: np.ndarray, derr: np.ndarray, wave: np.ndarray,
          time_scale_h: float, t3phi: np.ndarray | None = None, t3phi_err: np.ndarray | None = None,
          chi2_threshold: float = 5.0, closure_threshold: float = 3.0, tension_threshold: float = 25.0) -> Verdict:
    """Evidence per calibrator star and the verdict (module docstring)."""
    stars = list(np.unique(star_index))
    label = {s: names[int(np.flatnonzero(star_index == s)[0])] for s in stars}
    out = Verdict()
    cp = {}
    for s in stars:
        if t3phi is not None and t3phi_err is not None:
            cp[s] = own_closure_chi2(t3phi[star_index == s], t3phi_err[star_index == s], wave)
        else:
            cp[s] = (float("nan"), 0)
    pairs: dict[tuple, tuple[float, float, int]] = {}
    for a, b in combinations(stars, 2):
        ia, ib = np.flatnonzero(star_index == a), np.flatnonzero(star_index == b)
        pairs[(a, b)] = pair_chi2(ia, ib, t_cal=t_cal, vis2=vis2, vis2_err=vis2_err, spfreq=spfreq, points=points,
                                  diam=diam, derr=derr, time_scale_h=time_scale_h)
    bad_cp = {s for s in stars if np.isfinite(cp[s][0]) and cp[s][0] > closure_threshold}
    bad_pairs = {k for k, (c, t, _) in pairs.items()
                 if (np.isfinite(c) and c > chi2_threshold) or (np.isfinite(t) and t > tension_threshold)}
    reasons: dict = {s: [] for s in stars}
    for s in bad_cp:
        reasons[s].append(f"non-zero closure phases (chi2r={cp[s][0]:.1f} about a smooth instrumental term)")
    open_pairs = {k for k in bad_pairs if not (set(k) & bad_cp)}
    good = [s for s in stars if s not in bad_cp]
    for s in good:  # inconsistent with every other good star, while those agree among themselves
        others = [o for o in good if o != s]
        if len(others) < 2:
            continue
        mine = [tuple(sorted((s, o))) for o in others]
        rest = [k for k in combinations(others, 2)]
        if all(k in bad_pairs for k in mine) and not any(k in bad_pairs for k in rest):
            worst = max(pairs[k][0] for k in mine)
            tension = max(pairs[k][1] for k in mine)
            reasons[s].append(f"V2 inconsistent with every other calibrator (pair chi2r up to {worst:.1f}, "
                              f"diameter tension up to {tension:.0f})")
            open_pairs -= set(mine)
    for a, b in sorted(open_pairs):
        out.unresolved.append((label[a], label[b], pairs[(a, b)][0], pairs[(a, b)][1]))
    for s in stars:
        worst = max([pairs[k][0] for k in pairs if s in k and np.isfinite(pairs[k][0])], default=float("nan"))
        out.checks.append({
            "name": label[s], "catalog_diameter": float(diam[star_index == s][0]),
            "catalog_error": float(derr[star_index == s][0]), "closure_chi2": cp[s][0], "closure_dof": cp[s][1],
            "pair_chi2_max": worst, "pairs": {label[o]: pairs[tuple(sorted((s, o)))][0] for o in stars if o != s},
            "pair_tension": {label[o]: pairs[tuple(sorted((s, o)))][1] for o in stars if o != s},
            "n_visits": int((star_index == s).sum()), "suspect": bool(reasons[s]), "reasons": reasons[s]})
        if reasons[s]:
            out.suspects.add(label[s])
    return out
