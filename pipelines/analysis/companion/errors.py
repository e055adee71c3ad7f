"""Turn residuals into whitened residuals, r_w = L⁻¹ r with C = L Lᵀ, so that χ² = |r_w|².

Pure numpy. Independent error bars are the diagonal case. A calibration error common to one
night is a rank-one term per night: C_night = diag(σ²) + s² m mᵀ (m = V² for a multiplicative
transfer-function error, m = 1 for a closure-phase offset). Its whitening is exact and cheap
(Sherman–Morrison: r_w = r/σ − β u (u·r/σ), u = (m/σ)/|m/σ|, β = 1 − 1/√(1 + s²|m/σ|²)), and,
being linear, applies to Jacobians the same way. Any other treatment of correlated errors plugs
in by passing its own object with an `apply(residuals)` method.
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

    def __init__(self, err: np.ndarray, groups: np.ndarray | None = None, modes: np.ndarray | None = None,
                 amplitudes: np.ndarray | None = None):
        self.inv_err = 1.0 / np.asarray(err, dtype=float)
        self.n = self.inv_err.size
        self._u = None
        if groups is not None and modes is not None and amplitudes is not None and np.any(amplitudes > 0):
            rows = []
            for g in np.unique(groups):
                sel = groups == g
                s = float(np.max(amplitudes[sel]))
                if s <= 0:
                    continue
                m = np.where(sel, modes * self.inv_err, 0.0)
                norm2 = float(m @ m)
                if norm2 <= 0:
                    continue
                beta = 1.0 - 1.0 / np.sqrt(1.0 + s * s * norm2)
                rows.append((m / np.sqrt(norm2), beta))
            if rows:
                self._u = np.array([r[0] for r in rows])  # (G, N)
                self._bu = self._u * np.array([r[1] for r in rows])[:, None]

    def apply(self, residuals: np.ndarray) -> np.ndarray:
        r = residuals * self.inv_err
        if self._u is not None:
            r = r - (r @ self._u.T) @ self._bu
        return r


def whitener_for(err_vis2: np.ndarray, err_cp: np.ndarray, vis2: np.ndarray, night_vis2: np.ndarray,
                 night_cp: np.ndarray, systematics: Systematics | None = None) -> Whitener:
    """Whitener of the stacked residual vector [V² residuals, closure-phase residuals (degrees)]."""
    err = np.concatenate([err_vis2, err_cp])
    if systematics is None or not systematics.any:
        return Whitener(err)
    groups = np.concatenate([2 * night_vis2, 2 * night_cp + 1])  # one group per (night, observable)
    modes = np.concatenate([np.abs(vis2), np.ones(err_cp.size)])
    amplitudes = np.concatenate([np.full(err_vis2.size, systematics.vis2_relative),
                                 np.full(err_cp.size, systematics.cp_deg)])
    return Whitener(err, groups, modes, amplitudes)
