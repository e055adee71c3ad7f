"""Calibrator verdicts that hold with two calibrators (CAL–SCI–CAL). Pure numpy/scipy, no Django.

Two pieces of evidence, each with the catalogue diameter errors inside the statistic:

- **Own closure phases.** A calibrator's raw closure phase is the instrument's plus its own (0 for
  a single disk). The instrumental part is smooth in wavelength, so per visit and triangle a
  quadratic in λ₀/λ is fitted and the residual χ²ᵣ tested: a companion adds a chromatic
  modulation the smooth term cannot follow. This needs no second calibrator and names the star.
- **Pair consistency.** Both calibrators' V² are fitted together as uniform disks seen through one
  instrument: ln V²_k = ln s_(k, baseline) + ln T_(baseline, λ) + ln V²_UD(f_k, θ_star(k)), with a
  free achromatic scale per visit and baseline (TF drift and jitter), a free chromatic TF shape per
  baseline shared by the two stars, and θ_A, θ_B free but tied to their catalogue values by priors
  (θ − θ_cat)/σ_cat. Each measurement enters once at its own spatial frequencies (dividing A by B's
  TF interpolated at A's times counted B's noise once per A visit). A diameter off by its quoted
  error costs ~1 in χ²; a companion's chromatic modulation costs thousands (χ²ᵣ test), a diameter
  far outside its error shows as a tension between the priors and the data (Δχ² ~ χ²(≤ 2) for an
  honest catalogue, threshold 25 = 5σ). A bad pair alone cannot say which star is at fault.

Verdict: a star with bad own closure phases is named suspect; with ≥ 3 stars, a star that is
inconsistent with every other while those agree among themselves is named; a bad pair left
unexplained is reported "pair inconsistent, cannot tell which" and the setup is not calibrated.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from scipy.optimize import least_squares

from pipelines.calibration.transfer import TFPoints, ud_vis2

LAMBDA0 = 0.75e-6


@dataclass
class Verdict:
    checks: list[dict] = field(default_factory=list)  # one per calibrator star
    suspects: set[str] = field(default_factory=set)
    unresolved: list[tuple[str, str, float, float]] = field(default_factory=list)  # (a, b, χ²ᵣ, tension)


def own_closure_chi2(phi: np.ndarray, err: np.ndarray, wave: np.ndarray) -> tuple[float, int]:
    """χ²ᵣ of closure phases (nvis, ntri, nch, deg, UD model removed) about a quadratic in λ₀/λ per record.

    NaN points are left out: the caller masks the channels where the UD model is undetermined (near a
    null, `transfer.ud_t3_undetermined`), whose 180° residuals are not a companion's signal.
    """
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


def _projector(w: np.ndarray):
    """r ↦ r minus its weighted least-squares fit u[visit, baseline] + t[baseline, channel].

    w (nvis, nbl, nch), 0 where there is no point. Per baseline the normal equations are solved with
    the channels eliminated first (their block is diagonal), leaving an nvis × nvis system; its one
    degeneracy (a constant moved between u and t) is handled by the pseudo-inverse. The map is linear
    and fixed by w, so it is built once per pair.
    """
    wb = np.transpose(w, (1, 0, 2))  # (nbl, nvis, nch)
    dv, dc = wb.sum(axis=2), wb.sum(axis=1)
    inv_dc = np.where(dc > 0, 1.0 / np.where(dc > 0, dc, 1.0), 0.0)
    schur = np.einsum("bk,kj->bkj", dv, np.eye(dv.shape[1])) - np.einsum("bkl,bl,bjl->bkj", wb, inv_dc, wb)
    g = np.linalg.pinv(schur, hermitian=True)

    def project(r: np.ndarray) -> np.ndarray:
        rb = np.transpose(r, (1, 0, 2))
        rv, rc = (wb * rb).sum(axis=2), (wb * rb).sum(axis=1)
        u = np.einsum("bkj,bj->bk", g, rv - np.einsum("bkl,bl->bk", wb, rc * inv_dc))
        t = (rc - np.einsum("bkl,bk->bl", wb, u)) * inv_dc
        return r - np.transpose(u[:, :, None] + t[:, None, :], (1, 0, 2))

    return project


def pair_chi2(ia: np.ndarray, ib: np.ndarray, *, vis2: np.ndarray, vis2_err: np.ndarray, spfreq: np.ndarray,
              points: TFPoints, diam: np.ndarray, derr: np.ndarray, min_snr: float = 3.0) -> tuple[float, float, int]:
    """(χ²ᵣ, tension, dof) of calibrators A (visits ia) and B (visits ib) fitted together as two uniform disks.

    Every visit k of either star, in log V²: ln V²_k = ln s_(k, baseline) + ln T_(baseline, λ) +
    ln V²_UD(f_k, θ_star(k)), with a free achromatic scale per visit and baseline (TF drift and jitter),
    a free chromatic TF shape per baseline shared by both stars, and θ_A, θ_B held by their catalogue
    priors. Each measurement enters once, at its own spatial frequencies: dividing A by B's TF
    interpolated at A's times (what this replaced) counts B's noise once per A visit and, with B hours
    away, extrapolates it twenty-fold, which over-dispersed the tension by a factor of several.

    χ²ᵣ: the fit with the priors (shape: a companion's modulation). tension: Δχ² between that fit and
    one with free diameters, ÷ the free fit's χ²ᵣ when above 1 (error bars estimated from few frames):
    ~χ²(≤ 2) for honest catalogue diameters, large for a diameter far outside its error. Points where
    a catalogue UD is below the TF's minimum (NaN in `points`) or with S/N < `min_snr` are left out.
    """
    idx = np.concatenate([ia, ib])
    y, e, f = vis2[idx], vis2_err[idx], spfreq[idx]
    ok = np.isfinite(points.tf2[idx]) & np.isfinite(y) & np.isfinite(e) & (e > 0) & (y > min_snr * e)
    if ok.sum() < 10:
        return float("nan"), float("nan"), 0
    y, e = np.where(ok, y, 1.0), np.where(ok, e, 1.0)
    rel = e / y
    ln_y = np.log(y) + 0.5 * rel**2  # E[ln y] = ln V² − ½(σ/V²)²: no chromatic bias from the S/N
    w = ok / rel**2
    project = _projector(w)
    star_a = (np.arange(idx.size) < ia.size)[:, None, None]
    ta, tb = float(diam[ia[0]]), float(diam[ib[0]])
    sa, sb = (max(float(derr[k[0]]), 1e-3 * max(diam[k[0]], 1e-3)) for k in (ia, ib))
    sqrt_w = np.sqrt(w)[ok]

    def resid(p):
        model = np.log(np.maximum(ud_vis2(f, np.where(star_a, p[0], p[1])), 1e-12))
        r = project(np.where(ok, ln_y - model, 0.0))[ok] * sqrt_w
        return np.concatenate([r, [(p[0] - ta) / sa, (p[1] - tb) / sb]])

    bounds = ([1e-4, 1e-4], [50.0, 50.0])
    sol = least_squares(resid, [ta, tb], bounds=bounds, x_scale=[sa, sb])
    free = least_squares(lambda p: resid(p)[:-2], sol.x, bounds=bounds, x_scale=[sa, sb])
    n_nuisance = int(np.clip(ok.any(axis=2).sum(axis=0) + ok.any(axis=0).sum(axis=1) - 1, 0, None).sum())
    dof = int(ok.sum()) - n_nuisance
    if dof <= 2:
        return float("nan"), float("nan"), 0
    chi2r_free = float(2.0 * free.cost / (dof - 2))
    tension = max(0.0, 2.0 * (sol.cost - free.cost)) / max(1.0, chi2r_free)
    return float(2.0 * sol.cost / dof), tension, dof


def judge(*, names: list[str], star_index: np.ndarray, vis2: np.ndarray, vis2_err: np.ndarray,
          spfreq: np.ndarray, points: TFPoints, diam: np.ndarray, derr: np.ndarray, wave: np.ndarray,
          t3phi: np.ndarray | None = None, t3phi_err: np.ndarray | None = None,
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
        pairs[(a, b)] = pair_chi2(ia, ib, vis2=vis2, vis2_err=vis2_err, spfreq=spfreq, points=points, diam=diam,
                                  derr=derr)
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
