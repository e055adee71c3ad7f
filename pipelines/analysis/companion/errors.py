"""Turn residuals into whitened residuals, r_w = C^{-1/2} r, so that χ² = |r_w|² with correlated errors.

Pure numpy. C = diag(σ²) + S Sᵀ: independent errors plus K fully correlated terms, one column of S
each (the signed shift of every point under a 1σ draw of that term). Two sources of columns:
- the portal's L2 error split (OI_VIS2 columns VIS2ERR_STAT and VIS2ERR_CAL<k>, one per calibrator
  star, common to every file and night it calibrated; see "Error chain L2 → L3"): σ = VIS2ERR_STAT;
- optional per-night terms (`Systematics`): a relative V² calibration error s·V² and a closure-phase
  offset s (degrees), one column per night and observable.
With Ŝ = S/σ = U Σ Vᵀ (thin SVD), C^{-1/2} = diag(1/σ) (I − U diag(1 − 1/√(1 + Σ²)) Uᵀ): exact, cheap
for K ≪ N, and linear, so Jacobians are whitened the same way. Any other treatment plugs in by
passing its own object with an `apply(residuals)` method.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Systematics:
    """Per-night correlated error terms: relative V² calibration error and closure-phase offset (degrees)."""

    vis2_relative: float = 0.0
    cp_deg: float = 0.0

    @property
    def any(self) -> bool:
        return self.vis2_relative > 0 or self.cp_deg > 0


class Whitener:
    """Linear map from raw residuals (..., N) to whitened residuals (..., N)."""

    def __init__(self, err: np.ndarray, columns: np.ndarray | None = None):
        self.inv_err = 1.0 / np.asarray(err, dtype=float)
        self._u = None
        if columns is not None and columns.size and np.any(columns != 0):
            scaled = columns * self.inv_err[:, None]
            u, sv, _ = np.linalg.svd(scaled, full_matrices=False)
            keep = sv > 1e-12 * max(sv.max(), 1e-300)
            self._u = u[:, keep].T  # (K, N)
            self._bu = self._u * (1.0 - 1.0 / np.sqrt(1.0 + sv[keep] ** 2))[:, None]

    def apply(self, residuals: np.ndarray) -> np.ndarray:
        r = residuals * self.inv_err
        if self._u is not None:
            r = r - (r @ self._u.T) @ self._bu
        return r


def night_columns(vis2: np.ndarray, night_vis2: np.ndarray, night_cp: np.ndarray,
                  systematics: Systematics) -> np.ndarray:
    """S columns (N, K) of the per-night terms over the stacked vector [V², closure phases]."""
    n2, nc = vis2.size, night_cp.size
    cols = []
    if systematics.vis2_relative > 0:
        for night in np.unique(night_vis2):
            col = np.zeros(n2 + nc)
            col[:n2] = np.where(night_vis2 == night, systematics.vis2_relative * np.abs(vis2), 0.0)
            cols.append(col)
    if systematics.cp_deg > 0:
        for night in np.unique(night_cp):
            col = np.zeros(n2 + nc)
            col[n2:] = np.where(night_cp == night, systematics.cp_deg, 0.0)
            cols.append(col)
    return np.array(cols).T if cols else np.zeros((n2 + nc, 0))


def whitener_for(err_vis2: np.ndarray, err_cp: np.ndarray, vis2: np.ndarray, night_vis2: np.ndarray,
                 night_cp: np.ndarray, systematics: Systematics | None = None,
                 calibration: np.ndarray | None = None) -> Whitener:
    """Whitener of the stacked residual vector [V² residuals, closure-phase residuals (degrees)].

    `calibration`: (N_V², K) signed V² shifts per calibrator star (then `err_vis2` is the statistical part).
    """
    err = np.concatenate([err_vis2, err_cp])
    cols = [night_columns(vis2, night_vis2, night_cp, systematics or Systematics())]
    if calibration is not None and calibration.size:
        cols.append(np.concatenate([calibration, np.zeros((err_cp.size, calibration.shape[1]))]))
    columns = np.concatenate(cols, axis=1)
    return Whitener(err, columns if columns.shape[1] else None)
