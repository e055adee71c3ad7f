"""Levenberg–Marquardt run on many starting points at once (one row per fit), for the binary model.

Pure numpy. Every iteration evaluates the model and its analytic Jacobian for all active fits in one
call, solves the P small normal systems together (`np.linalg.solve` on a P × k × k stack) and
accepts or rejects each step per fit (damping ×/÷ 3). Fits that have converged leave the batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Layout, binary, residuals

F_BOUNDS = (1e-5, 1.0)
THETA_BOUNDS = (1e-3, 200.0)


@dataclass
class Problem:
    """What every fit of one data set shares: layout, observed vector, whitener."""

    lay: Layout
    observed: np.ndarray
    whitener: object  # has apply(residuals) -> whitened residuals

    def whitened(self, model: np.ndarray) -> np.ndarray:
        return self.whitener.apply(residuals(model, self.observed, self.lay.n2))

    def chi2(self, model: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        r = self.whitened(model)
        return np.sum(r * r if weights is None else weights * r * r, axis=-1)


def _clip(params: np.ndarray) -> np.ndarray:
    params[:, 2] = np.clip(params[:, 2], *F_BOUNDS)
    if params.shape[1] == 4:
        params[:, 3] = np.clip(params[:, 3], *THETA_BOUNDS)
    return params


def _evaluate(problem: Problem, params: np.ndarray, theta, weights, jacobian: bool):
    th = params[:, 3] if params.shape[1] == 4 else theta
    out = binary(problem.lay, params[:, 0], params[:, 1], params[:, 2], th, jacobian=jacobian,
                 fit_theta=params.shape[1] == 4)
    model, jac = out if jacobian else (out, None)
    r = problem.whitened(model)
    if weights is not None:
        r = r * np.sqrt(weights)
    if jac is None:
        return r, None
    jw = np.moveaxis(problem.whitener.apply(np.moveaxis(jac, -1, 1)), 1, -1)  # whiten each parameter column
    if weights is not None:
        jw = jw * np.sqrt(weights)[..., None]
    return r, jw


def fit_many(problem: Problem, starts: np.ndarray, theta: float | None = None, *, weights: np.ndarray | None = None,
             max_iter: int = 30, tol: float = 1e-6, batch: int = 512,
             max_shift: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit every row of `starts` ((P, 3): x, y, f with θ fixed, or (P, 4): x, y, f, θ free).

    `weights` ((P, N) or None) multiply each point's χ² contribution (bootstrap counts). `max_shift` (mas)
    caps the position step of one iteration: a step of many fringes can land on a companion so far out
    that smearing turns it into incoherent flux, which a bad fit prefers to its own neighbourhood.
    Returns (best parameters (P, k), χ² (P,), covariance (P, k, k) = (JᵀJ)⁻¹ at the solution).
    """
    starts = np.asarray(starts, dtype=float)
    k = starts.shape[1]
    out_p, out_c, out_cov = np.empty_like(starts), np.empty(len(starts)), np.empty((len(starts), k, k))
    for lo in range(0, len(starts), batch):
        sl = slice(lo, lo + batch)
        w = None if weights is None else weights[sl]
        out_p[sl], out_c[sl], out_cov[sl] = _fit_batch(problem, _clip(starts[sl].copy()), theta, w, max_iter, tol,
                                                       max_shift)
    return out_p, out_c, out_cov


def _fit_batch(problem, params, theta, weights, max_iter, tol, max_shift):
    k = params.shape[1]
    r, jac = _evaluate(problem, params, theta, weights, True)
    chi2 = np.sum(r * r, axis=1)
    lam = np.full(len(params), 1e-3)
    active = np.ones(len(params), dtype=bool)
    eye = np.eye(k)
    cov = np.zeros((len(params), k, k))
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        j, rr = jac[idx], r[idx]
        a = np.einsum("pni,pnj->pij", j, j)
        g = np.einsum("pni,pn->pi", j, rr)
        diag = np.einsum("pii->pi", a)
        damped = a + lam[idx, None, None] * (diag[:, :, None] * eye + 1e-12 * eye)
        try:
            step = np.linalg.solve(damped, -g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = -g / np.maximum(np.einsum("pii->pi", damped), 1e-30)
        if max_shift is not None:
            shift = np.hypot(step[:, 0], step[:, 1])
            step = step * np.minimum(1.0, max_shift / np.maximum(shift, 1e-300))[:, None]
        trial = _clip(params[idx] + step)
        w = None if weights is None else weights[idx]
        r_t, jac_t = _evaluate(problem, trial, theta if np.ndim(theta) == 0 else theta[idx], w, True)
        chi2_t = np.sum(r_t * r_t, axis=1)
        better = chi2_t < chi2[idx]
        gain = np.where(better, (chi2[idx] - chi2_t) / np.maximum(chi2[idx], 1e-300), 0.0)
        acc = idx[better]
        params[acc], r[acc], jac[acc], chi2[acc] = trial[better], r_t[better], jac_t[better], chi2_t[better]
        lam[idx] = np.where(better, np.maximum(lam[idx] / 3.0, 1e-9), lam[idx] * 3.0)
        done = (better & (gain < tol)) | (lam[idx] > 1e5)
        active[idx[done]] = False
    a = np.einsum("pni,pnj->pij", jac, jac)
    try:
        cov = np.linalg.inv(a + 1e-12 * eye)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(a)
    return params, chi2, cov
