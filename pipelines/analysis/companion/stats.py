"""Significance of a binary model against the single star (CANDID's nσ), without its 1e-15 cap.

Pure numpy/scipy. With χ²_single/χ²_binary = ratio of reduced χ² and n degrees of freedom, the
probability that the single star is right is p = P(χ²_n > n · ratio); nσ is the Gaussian
two-sided equivalent of p. χ²_binary plays the part of the noise level, so error bars that are
all too small (or too large) by one factor do not change nσ.
"""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln, log_ndtr
from scipy.stats import chi2 as chi2_dist
from scipy.stats import norm


def _log_sf(x: np.ndarray, k: int) -> np.ndarray:
    """ln P(χ²_k > x), with the asymptotic series of the upper incomplete gamma where scipy underflows."""
    with np.errstate(divide="ignore"):
        out = chi2_dist.logsf(x, k)
    a, h = k / 2.0, np.maximum(x / 2.0, 1e-300)
    series = (a - 1) * np.log(h) - h - gammaln(a) + np.log1p((a - 1) / h + (a - 1) * (a - 2) / h**2)
    return np.where(np.isfinite(out), out, series)


def _z_of_log_tail(log_p: np.ndarray) -> np.ndarray:
    """z with ln Φ(−z) = log_p, also far beyond the float range of p."""
    z = norm.isf(np.exp(np.maximum(log_p, -700.0)))
    deep = log_p < -700.0
    if np.any(deep):
        lp = np.where(deep, log_p, -1.0)
        zz = np.sqrt(np.maximum(-2 * lp - np.log(-2 * lp) - np.log(2 * np.pi), 1.0))
        for _ in range(5):  # Newton on ln Φ(−z) − lp; derivative −φ(z)/Φ(−z)
            ratio = np.exp(-0.5 * zz * zz - log_ndtr(-zz) - 0.5 * np.log(2 * np.pi))
            zz = zz + (log_ndtr(-zz) - lp) / ratio
        z = np.where(deep, zz, z)
    return z


def nsigma(chi2_single, chi2_binary, ndof: int) -> np.ndarray:
    """nσ of the binary against the single star (arrays broadcast); 0 when the binary is no better."""
    ratio = np.maximum(np.asarray(chi2_single, dtype=float) / np.maximum(chi2_binary, 1e-300), 0.0)
    z = _z_of_log_tail(_log_sf(ndof * ratio, ndof) - np.log(2.0))
    return np.where(ratio > 1.0, np.maximum(z, 0.0), 0.0)
