"""Disk and binary visibilities, written from the textbook formulas with scipy.special.j1.

UD: V(x) = 2 J1(x)/x, x = π θ B/λ. Linear limb darkening I(μ) = 1 - u (1 - μ) (Hanbury Brown et al.
1974): V = [(1-u) J1(x)/x + u √(π/2) J_{3/2}(x)/x^{3/2}] / [(1-u)/2 + u/3] with the spherical form
J_{3/2}(x) = √(2/(π x)) (sin x/x - cos x), so no fractional-order Bessel routine is used.
Binary: V = (V1 + f V2 exp(-2πi (u Δα + v Δδ)/λ)) / (1 + f) with the companion's flux ratio f.
"""
from __future__ import annotations

import numpy as np
from scipy.special import j1

MAS_RAD = np.deg2rad(1.0 / 3.6e6)


def _x(sf: np.ndarray, theta_mas: float) -> np.ndarray:
    return np.pi * theta_mas * MAS_RAD * np.asarray(sf, dtype=float)


def v_ud(sf: np.ndarray, theta_mas: float) -> np.ndarray:
    x = _x(sf, theta_mas)
    safe = np.where(x < 1e-9, 1.0, x)
    return np.where(x < 1e-9, 1.0, 2.0 * j1(safe) / safe)


def v_ld_linear(sf: np.ndarray, theta_mas: float, u_ld: float) -> np.ndarray:
    x = _x(sf, theta_mas)
    safe = np.where(x < 1e-6, 1.0, x)
    j32 = np.sqrt(2.0 / (np.pi * safe)) * (np.sin(safe) / safe - np.cos(safe))
    num = (1.0 - u_ld) * j1(safe) / safe + u_ld * np.sqrt(np.pi / 2.0) * j32 / safe**1.5
    return np.where(x < 1e-6, 1.0, num / ((1.0 - u_ld) / 2.0 + u_ld / 3.0))


def v_binary(u_m: np.ndarray, v_m: np.ndarray, wave_m: np.ndarray, theta1: float, theta2: float, ratio: float,
             sep_mas: float, pa_deg: float) -> np.ndarray:
    """Complex visibility of two uniform disks; companion at (sep, PA east of north)."""
    sf = np.hypot(u_m, v_m) / wave_m
    dx = sep_mas * MAS_RAD * np.sin(np.deg2rad(pa_deg))  # east
    dy = sep_mas * MAS_RAD * np.cos(np.deg2rad(pa_deg))  # north
    phase = np.exp(-2j * np.pi * (u_m * dx + v_m * dy) / wave_m)
    return (v_ud(sf, theta1) + ratio * v_ud(sf, theta2) * phase) / (1.0 + ratio)
