"""Disk fits with correlated error terms marginalised (the L2 error split; see fitting.py's docstring).

Pure numpy/scipy. `fit_with_calibration`: one N(0, 1) nuisance per calibrator star (relative terms on
the model). `fit_with_visits`: the same plus one nuisance per record (the TF jitter common to its
channels), solved in closed form by variable projection.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from pipelines.analysis.fitting import COEFF_BOUNDS, DiskFit, disk_fit_from, vis2_model, vis2_model_fast


def fit_with_calibration(sf, vis2, err, terms, theta0, model, law, coeff0, fit_coeff) -> DiskFit:
    """θ (and the LD coefficient) with one N(0, 1) nuisance per calibration term (see module docstring)."""
    n, ncal = terms.shape
    nmod = 2 if fit_coeff else 1

    def model_v2(p):
        c = p[1] if fit_coeff else coeff0
        if fit_coeff:
            return vis2_model(sf, p[0], model=model, law=law, coeff=c)
        return vis2_model_fast(sf, p[0], model=model, law=law, coeff=c)

    def residuals(p):
        eps = p[nmod:]
        return np.concatenate([(model_v2(p) * (1.0 + terms @ eps) - vis2) / err, eps])

    def jac(p):
        j = np.zeros((n + ncal, nmod + ncal))
        m, scale = model_v2(p), 1.0 + terms @ p[nmod:]
        h = 1e-6 * max(abs(p[0]), 1e-3)
        dp = p.copy()
        dp[0] += h
        j[:n, 0] = (model_v2(dp) - m) / h * scale / err
        if fit_coeff:
            dc = p.copy()
            dc[1] += 1e-5
            j[:n, 1] = (model_v2(dc) - m) / 1e-5 * scale / err
        j[:n, nmod:] = (m / err)[:, None] * terms
        j[n:, nmod:] = np.eye(ncal)
        return j

    return _solve(residuals, jac=jac, n=n, ncal=ncal, theta0=theta0, model=model, law=law, coeff0=coeff0,
                  fit_coeff=fit_coeff)


def fit_with_visits(sf, vis2, err, terms, visit, group, theta0, model, law, coeff0, fit_coeff) -> DiskFit:
    """As `fit_with_calibration`, plus one N(0, 1) nuisance η_g per record g (the TF jitter of that visit
    and baseline, common to its channels): model_i = V²(θ)_i (1 + Σ_c R_ic ε_c + r_i η_g(i)). The η are
    linear and solved in closed form for each (θ, ε) (variable projection), so a survey of thousands
    of records costs no more parameters; the Jacobian of the projected residuals gives θ's error
    with the η marginalised.
    """
    n, ncal = terms.shape
    ngroup = int(group.max()) + 1
    nmod = 2 if fit_coeff else 1

    def residuals(p):
        c = p[1] if fit_coeff else coeff0
        m = (vis2_model(sf, p[0], model=model, law=law, coeff=c) if fit_coeff
             else vis2_model_fast(sf, p[0], model=model, law=law, coeff=c))
        eps = p[nmod:]
        base = m * (1.0 + terms @ eps) if ncal else m
        a = m * visit / err
        b = (vis2 - base) / err
        eta = np.bincount(group, a * b, ngroup) / (1.0 + np.bincount(group, a * a, ngroup))
        return np.concatenate([a * eta[group] - b, eps, eta])

    return _solve(residuals, jac="2-point", n=n, ncal=ncal, theta0=theta0, model=model, law=law, coeff0=coeff0,
                  fit_coeff=fit_coeff)


def _solve(residuals, *, jac, n, ncal, theta0, model, law, coeff0, fit_coeff) -> DiskFit:
    """Bounded least squares over (θ[, coefficient], ε...) and the DiskFit with errors never shrunk for χ²ᵣ < 1."""
    lo, hi = COEFF_BOUNDS.get(law, (0.0, 1.0))
    nmod = 2 if fit_coeff else 1
    x0 = np.concatenate([[theta0], [coeff0] if fit_coeff else [], np.zeros(ncal)])
    lower = np.concatenate([[1e-4], [lo] if fit_coeff else [], np.full(ncal, -np.inf)])
    upper = np.concatenate([[500.0], [hi] if fit_coeff else [], np.full(ncal, np.inf)])
    sol = least_squares(residuals, x0, jac=jac, bounds=(lower, upper), x_scale="jac")
    return disk_fit_from(sol, n=n, nmod=nmod, model=model, law=law, coeff0=coeff0, fit_coeff=fit_coeff)
