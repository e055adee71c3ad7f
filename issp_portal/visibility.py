"""The uniform-disk visibility, in one place for calibration, synthetic data and archive test files.

No Django import. V_UD = 2 J1(x)/x with x = π θ B/λ (θ in mas, B/λ the spatial frequency in rad⁻¹).
"""
from __future__ import annotations

import numpy as np
from scipy.special import j1

MAS = np.pi / 180.0 / 3600.0 / 1000.0  # one milliarcsecond in radians


def ud_visibility(spfreq: np.ndarray, diam_mas: float) -> np.ndarray:
    """V_UD (signed: negative beyond the first null), 1 at zero spatial frequency."""
    x = np.pi * diam_mas * MAS * np.asarray(spfreq, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x == 0, 1.0, 2.0 * j1(x) / np.where(x == 0, 1.0, x))


def ud_vis2(spfreq: np.ndarray, diam_mas: float) -> np.ndarray:
    """V²_UD."""
    return ud_visibility(spfreq, diam_mas) ** 2
