"""Companion search of one target (CANDID's fitMap scheme, vectorised): single star, χ² map, grid of fits,
nσ, bootstrap errors, a second pass with the companion removed, and detection limits.

Pure numpy/scipy. Steps:
1. Single star: uniform-disk θ fitted to V² and closure phases (whitened residuals).
2. Search grid: from rmin = λ/B_max (the data's resolution) to rmax = the bandwidth-smearing field of
   view λ²/(Δλ B_max), step ½ λ/B_max. The first-order χ² gain of a companion is mapped on the
   whole grid at once (`chi2map.py`); every local maximum starts a fit.
3. All fits (x, y, f; θ held) run together (`lm.py`); the best distinct minima are refitted with θ free.
4. nσ of the best binary against the single star (`stats.py`); errors of a detection from a bootstrap
   over OI_VIS2/OI_T3 rows, all samples refitted together (formal errors below the threshold).
5. The companion is subtracted from the data and steps 1–4 run again (a third body?).
6. Detection limits by injection on the data without the companion (`limits.py`), at the single-star θ
   already fitted to that data.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from .chi2map import Chi2Map, first_order_maps, local_maxima
from .data import BinaryData
from .errors import Systematics, whitener_for
from .limits import DetectionLimits, PositionChunk, detection_limits
from .lm import Problem, fit_many
from .model import binary, disk, layout_of, observed_vector, residuals, single_star, single_star_models
from .stats import nsigma


@dataclass
class Companion:
    x: float  # mas, East
    y: float  # mas, North
    flux_ratio: float
    theta: float  # primary UD diameter with this companion (mas)
    x_err: float
    y_err: float
    flux_ratio_err: float
    theta_err: float
    chi2_red: float
    nsigma: float

    @property
    def separation(self) -> float:
        return float(np.hypot(self.x, self.y))

    @property
    def position_angle(self) -> float:
        """Degrees East of North."""
        return float(np.degrees(np.arctan2(self.x, self.y)) % 360.0)

    def as_dict(self) -> dict:
        return {"x_mas": self.x, "y_mas": self.y, "x_err_mas": self.x_err, "y_err_mas": self.y_err,
                "separation_mas": self.separation, "position_angle_deg": self.position_angle,
                "flux_ratio_percent": 100 * self.flux_ratio, "flux_ratio_err_percent": 100 * self.flux_ratio_err,
                "primary_diameter_mas": self.theta, "primary_diameter_err_mas": self.theta_err,
                "chi2_red": self.chi2_red, "nsigma": self.nsigma}


@dataclass
class SearchResult:
    theta_single: float
    theta_single_err: float
    chi2_red_single: float
    n_points: int
    rmin: float
    rmax: float
    step: float
    n_fits: int
    best: Companion | None
    detected: bool
    threshold: float
    third: Companion | None = None
    limits: DetectionLimits | None = None
    chi2_map: Chi2Map | None = None
    seconds: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {"single_star": {"diameter_mas": self.theta_single, "diameter_err_mas": self.theta_single_err,
                               "chi2_red": self.chi2_red_single},
               "n_points": self.n_points, "grid": {"rmin_mas": self.rmin, "rmax_mas": self.rmax,
                                                   "step_mas": self.step, "n_fits": self.n_fits},
               "detected": self.detected, "threshold_sigma": self.threshold,
               "companion": self.best.as_dict() if self.best else None,
               "third_body": self.third.as_dict() if self.third else None, "seconds": self.seconds}
        if self.limits is not None:
            out["limits"] = {"separation_mas": self.limits.radius.tolist(),
                             "flux_ratio_3sigma_percent": (100 * self.limits.curve(3)).tolist(),
                             "flux_ratio_5sigma_percent": (100 * self.limits.curve(5)).tolist(),
                             "percentile_of_position_angles": self.limits.percentile}
        return out


def make_problem(data: BinaryData, systematics: Systematics | None = None,
                 companion_diameter_mas: float = 0.0) -> Problem:
    v = data.vis2
    split = v.err_stat is not None and v.calibration is not None
    w = whitener_for(v.err_stat if split else v.err, data.cp.err, v.vis2, v.night, data.cp.night, systematics,
                     calibration=v.calibration if split else None)
    return Problem(lay=layout_of(data, companion_diameter_mas), observed=observed_vector(data), whitener=w)


def fit_single_star(problem: Problem) -> tuple[float, float, float]:
    """(θ, formal error scaled by √χ²_red, χ²) of the uniform disk alone."""
    grid = np.geomspace(0.02, 50.0, 120)
    chi2 = single_chi2(problem, grid)
    sol = least_squares(lambda p: problem.whitened(single_star(problem.lay, p[0])[0]), [grid[int(np.argmin(chi2))]],
                        jac=lambda p: problem.whitener.apply(single_star(problem.lay, p[0])[1])[:, None],
                        bounds=([1e-3], [200.0]))
    theta, chi2_best = float(sol.x[0]), float(2 * sol.cost)
    dof = max(problem.observed.size - 1, 1)
    jtj = float(sol.jac[:, 0] @ sol.jac[:, 0])
    err = float(np.sqrt(max(chi2_best / dof, 1.0) / jtj)) if jtj > 0 else float("nan")
    # The closure phases of a disk jump 0 <-> 180° at each null, a step the gradient does not see: a θ a
    # hair off leaves the channels next to a null 180° wrong (a 187σ "companion" on a single SPICA star).
    # With many channels near nulls χ²(θ) is a comb of such steps, valleys ~1e-3 θ wide: a scan of θ
    # around the solution, then a finer one around its best node, finds the right side of every step.
    theta, chi2_best = _nested_scan(problem, theta, chi2_best, 10 * err if np.isfinite(err) else 1e-2 * theta, 2)
    return theta, err, chi2_best


def _nested_scan(problem: Problem, theta: float, chi2_best: float, width: float, rounds: int) -> tuple[float, float]:
    """(θ, χ²) after `rounds` scans of 201 θ, each around the best node so far and 100× finer than the last."""
    for _ in range(rounds):
        scan = np.clip(theta + np.linspace(-width, width, 201), 1e-3, None)
        chi2_scan = single_chi2(problem, scan)
        k = int(np.argmin(chi2_scan))
        if chi2_scan[k] < chi2_best:
            theta, chi2_best = float(scan[k]), float(chi2_scan[k])
        width = 2 * width / 200
    return theta, chi2_best


def single_chi2_near(problem: Problem, theta: float, rel: float = 2e-3) -> tuple[float, float]:
    """(θ, χ²) of the lowest single-star χ² within ± rel·θ of θ, by nested scans. Past a few nulls the single
    star's χ²(θ) is a comb of closure-phase steps: the binary's θ can sit a hair outside the right valley, where a
    companion of flux 1e-5 flips the near-null closure phases back, and a single star then looks 350σ worse
    than a "binary" that is the same star (6 of 1,778 single stars in a 2,000-target screen)."""
    return _nested_scan(problem, theta, float(single_chi2(problem, theta)[0]), rel * theta, 3)


def single_chi2(problem: Problem, theta, chunk: int = 64) -> np.ndarray:
    """χ² of the single star at every θ of an array (in blocks of `chunk` models: bounded memory)."""
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    return np.concatenate([problem.chi2(single_star_models(problem.lay, theta[lo:lo + chunk]))
                           for lo in range(0, theta.size, chunk)])


def _bootstrap(problem: Problem, data: BinaryData, best: np.ndarray, n_boot: int, seed: int) -> np.ndarray | None:
    records = np.concatenate([data.vis2.record, data.cp.record])
    labels, inverse = np.unique(records, return_inverse=True)
    if labels.size < 4 or n_boot < 2:
        return None
    rng = np.random.default_rng(seed)
    counts = np.zeros((n_boot, labels.size))
    np.add.at(counts, (np.arange(n_boot)[:, None], rng.integers(0, labels.size, (n_boot, labels.size))), 1.0)
    params, _, _ = fit_many(problem, np.repeat(best[None, :], n_boot, axis=0), weights=counts[:, inverse], max_iter=20,
                            max_shift=0.25 * data.smallest_scale_mas)
    return params


def background_model(lay, theta: float, f0: float) -> np.ndarray:
    """Star plus incoherent flux f0 (a companion with its fringes averaged out): V² and closure phases."""
    a2, _, ac, _ = disk(lay, theta)
    vis2 = (a2**2 + f0**2 * lay.comp2**2) / (1 + f0) ** 2
    cp = np.degrees(np.angle(np.prod(ac, axis=1) + f0**3 * np.prod(lay.compc, axis=1) + 0j))
    return np.concatenate([vis2, cp])


def fit_star_and_background(problem: Problem, theta0: float) -> tuple[float, float]:
    """(θ, f0): what a bright companion looks like before its position is known; unbiases θ for the map."""
    def res(p):  # independent errors only: a per-night V² scale would be degenerate with f0 (seeding only)
        model = background_model(problem.lay, p[0], p[1])
        return residuals(model, problem.observed, problem.lay.n2) * problem.whitener.inv_err

    sol = least_squares(res, [theta0, 0.05], bounds=([1e-3, 0.0], [200.0, 1.0]), x_scale=[theta0, 0.1])
    return float(sol.x[0]), float(sol.x[1])


def _rank_exactly(problem: Problem, theta: float, pool: np.ndarray, n_keep: int) -> np.ndarray:
    """The n_keep candidates (x, y) with the lowest exact binary χ² over a grid of flux ratios (θ held),
    as LM starts (x, y, f, θ): the first-order map ranks bright companions too low to be trusted alone."""
    f_grid = np.geomspace(3e-3, 1.0, 7)
    best_chi2, best_f = np.full(len(pool), np.inf), np.zeros(len(pool))
    for lo in range(0, len(pool), 256):
        sl = slice(lo, lo + 256)
        chunk = PositionChunk(problem, theta, pool[sl, 0], pool[sl, 1])
        for f in f_grid:
            model = chunk.single[None, :] + chunk.injected_signal(np.full(chunk.k.shape[0], f))
            chi2 = problem.chi2(model)
            better = chi2 < best_chi2[sl]
            best_chi2[sl] = np.where(better, chi2, best_chi2[sl])
            best_f[sl] = np.where(better, f, best_f[sl])
    keep = np.argsort(best_chi2)[:n_keep]
    return np.stack([pool[keep, 0], pool[keep, 1], best_f[keep], np.full(keep.size, theta)], axis=1)


def _search_once(problem: Problem, data: BinaryData, *, rmin: float, rmax: float, step: float, n_starts: int,
                 n_boot: int, threshold: float, seed: int, seconds: dict, tag: str):
    t0 = time.perf_counter()
    theta0, theta0_err, chi2_single = fit_single_star(problem)
    theta_b, f_b = fit_star_and_background(problem, theta0)
    r0 = -residuals(background_model(problem.lay, theta_b, f_b), problem.observed, problem.lay.n2)  # data − model
    # seeds: maps of all points, of the closure phases alone and of V² alone (they fail in different cases)
    lay = problem.lay
    weight = problem.whitener.inv_err**2
    cp_only = np.concatenate([np.zeros(lay.n2), np.ones(lay.n - lay.n2)])
    maps = first_order_maps(lay, theta_b, r0, np.stack([weight, weight * cp_only, weight * (1 - cp_only)]), rmin,
                            rmax, step, background=f_b)
    cmap = maps[0]
    pool = np.concatenate([local_maxima(m, n_starts) for m in maps])
    # the first-order peak of a bright companion can sit a node or two off: rank a 3 × 3 neighbourhood
    offsets = np.stack(np.meshgrid(*(np.linspace(-step, step, 3),) * 2), axis=-1).reshape(-1, 2)
    pool = (pool[:, None, :2] + offsets[None, :, :]).reshape(-1, 2)
    starts = _rank_exactly(problem, theta_b, pool, 2 * n_starts)
    seconds[f"{tag}map"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if len(starts) == 0:
        return theta0, theta0_err, chi2_single, None, cmap, 0
    params, chi2, cov = fit_many(problem, starts, max_shift=0.25 * data.smallest_scale_mas)
    inside = (np.hypot(params[:, 0], params[:, 1]) <= 1.2 * rmax)
    chi2 = np.where(inside, chi2, np.inf)
    i = int(np.argmin(chi2))
    best, chi2_best = params[i], float(chi2[i])
    ndof = problem.observed.size - 1
    # the single star is the binary with f -> 0: near the binary's own θ it bounds the single-star χ² from above
    theta_near, chi2_near = single_chi2_near(problem, float(best[3]))
    if chi2_near < chi2_single:  # the single star's fit had missed its valley: report the better one
        theta0, chi2_single = theta_near, chi2_near
    chi2_red = chi2_best / max(problem.observed.size - 4, 1)
    formal = np.sqrt(np.clip(np.diag(cov[i]), 0, None) * max(chi2_red, 1.0))
    significance = float(nsigma(chi2_single, chi2_best, ndof))
    seconds[f"{tag}fits"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    # the errors of a candidate below the threshold describe no detection: formal ones suffice
    boots = _bootstrap(problem, data, best, n_boot, seed) if significance >= threshold else None
    errs = formal if boots is None else np.maximum(np.std(boots, axis=0, ddof=1), formal)
    seconds[f"{tag}bootstrap"] = time.perf_counter() - t0
    comp = Companion(x=float(best[0]), y=float(best[1]), flux_ratio=float(best[2]), theta=float(best[3]),
                     x_err=float(errs[0]), y_err=float(errs[1]), flux_ratio_err=float(errs[2]),
                     theta_err=float(errs[3]), chi2_red=chi2_red, nsigma=significance)
    return theta0, theta0_err, chi2_single, comp, cmap, len(starts)


def remove_companion(data: BinaryData, problem: Problem, comp: Companion) -> BinaryData:
    """The data minus the companion's signal (binary model − single star at the fitted θ)."""
    model = binary(problem.lay, np.array([comp.x]), np.array([comp.y]), np.array([comp.flux_ratio]), comp.theta)[0]
    signal = residuals(model, single_star(problem.lay, comp.theta)[0], problem.lay.n2)
    n2 = problem.lay.n2
    cp = (data.cp.cp - signal[n2:] + 180.0) % 360.0 - 180.0
    return data.with_values(vis2=data.vis2.vis2 - signal[:n2], cp=cp)


def companion_search(data: BinaryData, *, systematics: Systematics | None = None, threshold: float = 5.0,
                     rmin: float | None = None, rmax: float | None = None, step: float | None = None,
                     n_starts: int = 32, n_boot: int = 100, limits: bool = True, second_pass: bool = True,
                     companion_diameter_mas: float = 0.0, seed: int = 0, limit_grid: dict | None = None
                     ) -> SearchResult:
    """The whole screen of one target; `systematics` adds per-night correlated errors to every χ²;
    `limit_grid` (n_radii, n_angles, n_flux) coarsens the detection-limit map for survey screens."""
    t_all = time.perf_counter()
    scale = data.smallest_scale_mas
    rmin = scale if rmin is None else rmin
    rmax = data.smearing_fov_mas if rmax is None else rmax
    step = 0.5 * scale if step is None else step
    seconds: dict = {}
    problem = make_problem(data, systematics, companion_diameter_mas)
    theta0, theta0_err, chi2_single, best, cmap, n_fits = _search_once(
        problem, data, rmin=rmin, rmax=rmax, step=step, n_starts=n_starts, n_boot=n_boot, threshold=threshold,
        seed=seed, seconds=seconds, tag="")
    detected = best is not None and best.nsigma >= threshold
    # the limits are measured on the data without the companion, with that data's single-star θ
    clean_problem, theta_clean, third = problem, theta0, None
    if detected:
        clean = remove_companion(data, problem, best)
        clean_problem, theta_clean = make_problem(clean, systematics, companion_diameter_mas), None
        if second_pass:
            theta_clean, _, _, third, _, n2 = _search_once(
                clean_problem, clean, rmin=rmin, rmax=rmax, step=step, n_starts=n_starts, n_boot=0,
                threshold=threshold, seed=seed, seconds=seconds, tag="second_")
            n_fits += n2
    lim = None
    if limits:
        t0 = time.perf_counter()
        if theta_clean is None:
            theta_clean = fit_single_star(clean_problem)[0]
        lim = detection_limits(clean_problem, theta_clean, rmin, rmax, **(limit_grid or {}))
        seconds["limits"] = time.perf_counter() - t0
    seconds["total"] = time.perf_counter() - t_all
    ndof = problem.observed.size - 1
    return SearchResult(theta_single=theta0, theta_single_err=theta0_err, chi2_red_single=chi2_single / max(ndof, 1),
                        n_points=problem.observed.size, rmin=rmin, rmax=rmax, step=step, n_fits=n_fits, best=best,
                        detected=detected, threshold=threshold, third=third, limits=lim, chi2_map=cmap,
                        seconds=seconds)
