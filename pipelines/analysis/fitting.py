"""Uniform-disk and limb-darkened-disk fits of V² vs spatial frequency, and the closure-phase test.

Pure numpy/scipy (no Django), so the same code runs in a Celery worker, in a
bench script and in tests. Angles are in mas, spatial frequencies in cycles per
radian (B/λ), closure phases in degrees.

- Fits: weighted least squares (`scipy.optimize.least_squares`) started from a
  vectorised χ² grid so the fit never lands on a secondary lobe.
- Errors that do not average down: an L2 file of the portal carries, besides VIS2ERR, its
  statistical part and one signed term per calibrator (the V² shift if that calibrator's
  diameter were 1σ larger), read as a relative term R_ic = S_ic / V²_i. The fit adds one
  nuisance parameter ε_c ~ N(0, 1) per calibrator star: model_i = V²(θ)_i (1 + Σ_c R_ic ε_c),
  residuals (model − y)/σ_stat plus the prior ε_c. To first order this is the generalised
  least-squares fit with covariance diag(σ_stat²) + S Sᵀ (the same calibrator on several nights
  stays one parameter), so a calibrator's diameter error reaches θ in full instead of being
  divided by √N. The term multiplies the model, not the data: a term proportional to the noisy
  data would let the fit shrink the data and bias θ.
- Formal errors: from the Jacobian, scaled by √χ²_red when χ²_red > 1 (the model does not
  explain the data to its error bars); never shrunk when χ²_red < 1.
- Bootstrap: resample whole nights (or whole baselines when there is only one
  night) with replacement, because errors are correlated within a night or a
  baseline; all bootstrap samples are refitted at once (vectorised Gauss-Newton).
- Closure phases: a centro-symmetric object (any disk, limb-darkened or not)
  has closure phases of 0° or 180°; a departure beyond the errors means the
  object is not a single disk and its diameter would be misleading.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np
from scipy.optimize import least_squares
from scipy.special import gamma, j1, jv

MAS = np.pi / 180.0 / 3600.0 / 1000.0  # radians per mas
_GRID = np.geomspace(0.02, 60.0, 160)  # starting grid of diameters (mas)
COEFF_BOUNDS = {"power": (0.0, 4.0), "linear": (0.0, 1.0)}


# --- visibility models -----------------------------------------------------------------
def vis_uniform(x: np.ndarray) -> np.ndarray:
    """2 J1(x)/x, with its limit 1 at x = 0."""
    x = np.asarray(x, dtype=float)
    safe = np.where(np.abs(x) < 1e-8, 1.0, x)
    return np.where(np.abs(x) < 1e-8, 1.0, 2.0 * j1(safe) / safe)


def vis_power_law(x: np.ndarray, alpha: float) -> np.ndarray:
    """Power-law limb darkening I(μ) = μ^α (Hestroffer 1997): Γ(ν+1) (2/x)^ν J_ν(x), ν = α/2 + 1."""
    x = np.asarray(x, dtype=float)
    nu = alpha / 2.0 + 1.0
    safe = np.where(np.abs(x) < 1e-8, 1.0, np.abs(x))
    return np.where(np.abs(x) < 1e-8, 1.0, gamma(nu + 1.0) * (2.0 / safe) ** nu * jv(nu, safe))


def vis_linear(x: np.ndarray, u: float) -> np.ndarray:
    """Linear limb darkening I(μ) = 1 − u(1 − μ) (Hanbury Brown et al. 1974)."""
    x = np.asarray(x, dtype=float)
    safe = np.where(np.abs(x) < 1e-8, 1.0, np.abs(x))
    num = (1.0 - u) * j1(safe) / safe + u * np.sqrt(np.pi / 2.0) * jv(1.5, safe) / safe**1.5
    return np.where(np.abs(x) < 1e-8, 1.0, num / ((1.0 - u) / 2.0 + u / 3.0))


def vis2_model(sf: np.ndarray, theta_mas, *, model: str = "ud", law: str = "power", coeff: float = 0.0):
    """V² of a disk of diameter theta (mas, scalar or array broadcast against sf)."""
    x = np.pi * np.asarray(theta_mas, dtype=float) * MAS * sf
    if model == "ud":
        vis = vis_uniform(x)
    elif law == "power":
        vis = vis_power_law(x, coeff)
    elif law == "linear":
        vis = vis_linear(x, coeff)
    else:
        raise ValueError(f"unknown limb-darkening law {law!r}")
    return vis * vis


_XT = np.linspace(0.0, 50.0, 25001)  # x grid of the tabulated LD visibilities


@lru_cache(maxsize=64)
def _ld_table(law: str, coeff: float) -> np.ndarray:
    return vis_power_law(_XT, coeff) if law == "power" else vis_linear(_XT, coeff)


def vis2_model_fast(sf: np.ndarray, theta_mas, *, model: str = "ud", law: str = "power", coeff=0.0):
    """Same as `vis2_model`, with LD visibilities interpolated in a table (≤1e-6 off): fractional-order
    Bessel functions cost ~1 µs each, too slow for χ² grids and bootstrap refits. `coeff` may be an
    array broadcast against the points (one coefficient per spectral channel)."""
    if model == "ud":
        return vis2_model(sf, theta_mas, model="ud")
    x = np.pi * np.asarray(theta_mas, dtype=float) * MAS * sf
    if np.ndim(coeff) == 0:
        vis = _vis_ld_fast(x, law, float(coeff))
    else:  # one table per distinct coefficient
        coeffs = np.broadcast_to(np.asarray(coeff, dtype=float), x.shape)
        vis = np.empty_like(x)
        for value in np.unique(coeffs):
            mask = coeffs == value
            vis[mask] = _vis_ld_fast(x[mask], law, float(value))
    return vis * vis


def _vis_ld_fast(x: np.ndarray, law: str, coeff: float) -> np.ndarray:
    vis = np.interp(x, _XT, _ld_table(law, round(coeff, 6)))
    big = x > _XT[-1]
    if np.any(big):
        vis[big] = (vis_power_law(x[big], coeff) if law == "power" else vis_linear(x[big], coeff))
    return vis


# --- results -------------------------------------------------------------------------------
@dataclass
class DiskFit:
    model: str  # "ud" or "ld"
    theta: float  # mas
    err_formal: float  # mas, scaled by √χ²_red
    chi2_red: float
    n_points: int
    law: str = ""
    coeff: float | None = None
    coeff_err: float | None = None
    coeff_fitted: bool = False
    coeff_range: list[float] | None = None  # [min, max] when the coefficient is given per spectral channel
    err_bootstrap: float | None = None
    n_bootstrap: int = 0
    bootstrap_over: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ClosurePhaseTest:
    n_points: int
    chi2_red: float  # of the departures from the nearest of 0°/180°
    fraction_beyond_3sigma: float
    max_departure_deg: float
    single_disk: bool
    threshold: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Analysis:
    ud: DiskFit
    ld: DiskFit
    closure: ClosurePhaseTest | None
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ud": self.ud.as_dict(), "ld": self.ld.as_dict(),
                "closure": self.closure.as_dict() if self.closure else None, "flags": list(self.flags)}


# --- fits ----------------------------------------------------------------------------------------
def _chi2_grid(sf, y, err, model, law, coeff) -> np.ndarray:
    m = vis2_model_fast(sf[None, :], _GRID[:, None], model=model, law=law, coeff=coeff)
    return np.sum(((m - y[None, :]) / err[None, :]) ** 2, axis=1)


def fit_disk(sf: np.ndarray, vis2: np.ndarray, err: np.ndarray, *, model: str = "ud", law: str = "power",
             coeff: float | np.ndarray | None = 0.0, cal_terms: np.ndarray | None = None,
             visit_rel: np.ndarray | None = None, record: np.ndarray | None = None) -> DiskFit:
    """Least-squares diameter; for "ld" with coeff=None the coefficient is fitted too, an array gives one
    coefficient per point (limb darkening per spectral channel).

    With `cal_terms` (n, ncal), `err` is the statistical error and each column a relative correlated
    calibration term, marginalised with one nuisance parameter per column (module docstring);
    `visit_rel` with `record` adds one per record (the TF jitter common to its channels).
    """
    sf, vis2, err = (np.asarray(a, dtype=float) for a in (sf, vis2, err))
    n = sf.size
    if n < 2:
        raise ValueError("at least two V² points are needed for a fit")
    from pipelines.analysis import correlated  # its fits use this module's models

    fit_coeff = model == "ld" and coeff is None
    start_coeff = float(np.mean(COEFF_BOUNDS[law])) / 2 if fit_coeff else (0.0 if coeff is None else coeff)
    total = err if cal_terms is None else np.sqrt(err**2 + vis2**2 * np.sum(np.asarray(cal_terms) ** 2, axis=1))
    theta0 = float(_GRID[np.argmin(_chi2_grid(sf, vis2, total, model, law, start_coeff))])
    if visit_rel is not None and record is not None:
        terms = np.zeros((n, 0)) if cal_terms is None else np.asarray(cal_terms, dtype=float)
        return correlated.fit_with_visits(sf, vis2, err, terms, np.asarray(visit_rel, dtype=float),
                                          np.unique(record, return_inverse=True)[1], theta0, model, law,
                                          start_coeff, fit_coeff)
    if cal_terms is not None and np.asarray(cal_terms).shape[1] > 0:
        return correlated.fit_with_calibration(sf, vis2, err, np.asarray(cal_terms, dtype=float), theta0, model,
                                               law, start_coeff, fit_coeff)

    if fit_coeff:
        lo, hi = COEFF_BOUNDS[law]

        def residuals(p):
            return (vis2_model(sf, p[0], model=model, law=law, coeff=p[1]) - vis2) / err

        sol = least_squares(residuals, [theta0, start_coeff], bounds=([1e-4, lo], [500.0, hi]), x_scale="jac")
    else:
        def residuals(p):  # fixed coefficient: the tabulated model is exact to 1e-6 and 10× faster
            return (vis2_model_fast(sf, p[0], model=model, law=law, coeff=start_coeff) - vis2) / err

        sol = least_squares(residuals, [theta0], bounds=([1e-4], [500.0]), x_scale="jac")
    return disk_fit_from(sol, n=n, nmod=sol.x.size, model=model, law=law, coeff0=start_coeff, fit_coeff=fit_coeff)


def disk_fit_from(sol, *, n: int, nmod: int, model: str, law: str, coeff0, fit_coeff: bool) -> DiskFit:
    """The DiskFit of a least-squares solution whose first parameters are θ[, coefficient].

    Errors from the Jacobian, scaled by √χ²ᵣ only when χ²ᵣ > 1 (a good fit never shrinks them).
    """
    chi2_red = float(2.0 * sol.cost / max(n - nmod, 1))
    try:
        cov = np.linalg.inv(sol.jac.T @ sol.jac) * max(chi2_red, 1.0)
        errs = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        errs = np.full(sol.x.size, np.nan)
    return DiskFit(
        model=model, theta=float(sol.x[0]), err_formal=float(errs[0]), chi2_red=chi2_red, n_points=n,
        law=law if model == "ld" else "", coeff=(float(sol.x[1]) if fit_coeff else float(np.mean(coeff0)))
        if model == "ld" else None, coeff_err=float(errs[1]) if fit_coeff else None, coeff_fitted=fit_coeff,
        coeff_range=_coeff_range(model, coeff0),
    )


def _coeff_range(model: str, coeff) -> list[float] | None:
    """[min, max] of per-channel coefficients (None for a UD or a single coefficient)."""
    return [float(np.min(coeff)), float(np.max(coeff))] if model == "ld" and np.ndim(coeff) > 0 else None


def bootstrap_groups(nights: np.ndarray, baselines: np.ndarray) -> tuple[np.ndarray, str]:
    """Resampling unit: nights when there are several, else baselines (correlated errors live there)."""
    if np.unique(nights).size >= 3:
        return np.unique(nights, return_inverse=True)[1], "nights"
    return np.unique(baselines, return_inverse=True)[1], "baselines"


def bootstrap_theta(sf, vis2, err, groups: np.ndarray, *, theta0: float, model: str = "ud", law: str = "power",
                    coeff: float = 0.0, n_boot: int = 100, seed: int = 0, grid_points: int = 41) -> np.ndarray:
    """Diameters refitted on `n_boot` resamplings of whole groups, all at once.

    A resampled χ² is a count-weighted sum of per-group χ² curves, so the model is evaluated
    once per θ of a grid (not once per sample): χ²(sample, θ) = counts @ χ²(group, θ). Each sample's
    minimum is the vertex of the parabola through its three lowest grid points; the grid is then
    zoomed on the spread of the minima, twice.
    """
    rng = np.random.default_rng(seed)
    n_groups = int(groups.max()) + 1
    picks = rng.integers(0, n_groups, size=(n_boot, n_groups))
    counts = np.zeros((n_boot, n_groups))
    np.add.at(counts, (np.arange(n_boot)[:, None], picks), 1.0)
    onehot = np.zeros((n_groups, sf.size))
    onehot[groups, np.arange(sf.size)] = 1.0
    half = 0.3 * theta0
    theta = np.full(n_boot, theta0)
    for _ in range(3):
        grid = theta0 + np.linspace(-half, half, grid_points)
        grid = grid[grid > 0]
        resid2 = ((vis2_model_fast(sf[None, :], grid[:, None], model=model, law=law, coeff=coeff) - vis2[None, :])
                  / err[None, :]) ** 2
        chi2 = counts @ (onehot @ resid2.T)  # (n_boot, n_grid)
        k = np.clip(np.argmin(chi2, axis=1), 1, grid.size - 2)
        rows = np.arange(n_boot)
        c0, c1, c2 = chi2[rows, k - 1], chi2[rows, k], chi2[rows, k + 1]
        curvature = c0 - 2.0 * c1 + c2
        offset = np.where(curvature > 0, 0.5 * (c0 - c2) / np.where(curvature > 0, curvature, 1.0), 0.0)
        step = grid[1] - grid[0]
        theta = grid[k] + np.clip(offset, -1.0, 1.0) * step
        half = max(1.5 * float(np.max(np.abs(theta - theta0))), 1e-7 * theta0, 2.0 * step / grid_points)
    return theta


def closure_phase_test(t3phi: np.ndarray, t3phi_err: np.ndarray, *, threshold: float = 3.0) -> ClosurePhaseTest | None:
    """Departure of closure phases from the nearest of 0°/180°; None without closure phases."""
    phi, err = np.asarray(t3phi, dtype=float), np.asarray(t3phi_err, dtype=float)
    if phi.size == 0:
        return None
    departure = np.abs((phi + 90.0) % 180.0 - 90.0)  # distance to the nearest of 0° or 180°
    z = departure / err
    chi2_red = float(np.mean(z * z))
    return ClosurePhaseTest(
        n_points=int(phi.size), chi2_red=chi2_red, fraction_beyond_3sigma=float(np.mean(z > 3.0)),
        max_departure_deg=float(departure.max()), single_disk=chi2_red <= threshold, threshold=threshold,
    )


def analyse(data, *, ld_law: str = "power", ld_coeff: float | np.ndarray | None = None, n_boot: int = 100,
            seed: int = 0, cp_threshold: float = 3.0, poor_fit_chi2: float = 5.0) -> Analysis:
    """UD + LD fits, bootstrap errors and the closure-phase test of one target (an `OiData`)."""
    v2 = data.v2
    sf, y, e = v2.spatial_frequency, v2.vis2, v2.vis2_err
    stat, split = v2.err_stat, {"cal_terms": v2.cal_terms, "visit_rel": v2.visit_rel, "record": v2.record}
    ud = fit_disk(sf, y, stat, model="ud", **split)
    ld = fit_disk(sf, y, stat, model="ld", law=ld_law, coeff=ld_coeff, **split)
    groups, over = bootstrap_groups(v2.night, v2.baseline)
    if n_boot and int(groups.max()) >= 1:
        for fit in (ud, ld):
            coeff = ld_coeff if fit.model == "ld" and ld_coeff is not None else (fit.coeff or 0.0)
            boots = bootstrap_theta(sf, y, e, groups, theta0=fit.theta, model=fit.model, law=ld_law,
                                    coeff=coeff, n_boot=n_boot, seed=seed)
            fit.err_bootstrap, fit.n_bootstrap, fit.bootstrap_over = float(np.std(boots, ddof=1)), n_boot, over
    closure = closure_phase_test(data.t3.t3phi, data.t3.t3phi_err, threshold=cp_threshold)
    flags = []
    if closure is not None and not closure.single_disk:
        flags.append("not_single_disk")
    if ud.chi2_red > poor_fit_chi2:
        flags.append("poor_fit")
    if float(np.min(vis2_model(sf, ud.theta))) > 0.9:
        flags.append("unresolved")
    # over baselines a resolved star's few long baselines carry the diameter: the bootstrap spread is
    # naturally larger there, so the bar for calling the errors correlated is higher than over nights
    if ud.err_bootstrap is not None and ud.err_bootstrap > (3.0 if over == "nights" else 5.0) * ud.err_formal:
        flags.append("correlated_errors")
    if len(v2) < 10:
        flags.append("few_points")
    return Analysis(ud=ud, ld=ld, closure=closure, flags=flags)
