"""Simulated observations of a star with or without a companion, on the u,v coverage of a real file.

Pure numpy/scipy, and deliberately independent of the fitting model (`model.py`) and of the
portal's synthetic files: each channel is integrated numerically over its band (sub-channels
uniform in λ, the primary's visibility recomputed in each), V² is the band average of |V|² and
the closure phase the phase of the band-averaged triple product. Noise: the file's own error
bars, raised to a floor (relative + absolute for V²), Gaussian draws, and a per-night
multiplicative V² calibration error when asked. This is the truth the known-answer tests and
the detection-rate table are checked against.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import j1

from .data import MAS, BinaryData


@dataclass(frozen=True)
class Truth:
    theta_mas: float
    x_mas: float = 0.0
    y_mas: float = 0.0
    flux_ratio: float = 0.0  # companion / primary
    companion_diameter_mas: float = 0.0


@dataclass(frozen=True)
class Noise:
    vis2_relative: float = 0.03
    vis2_floor: float = 0.002
    cp_floor_deg: float = 0.5
    night_calibration: float = 0.0  # relative V² error common to one night


def _disk(theta: float, u, v, lam) -> np.ndarray:
    x = np.pi * theta * MAS * np.hypot(u, v) / lam
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x < 1e-8, 1.0, 2.0 * j1(x) / np.where(x < 1e-8, 1.0, x))


def complex_vis(truth: Truth, u, v, lam) -> np.ndarray:
    """Monochromatic complex visibility (arrays broadcast together), OIFITS sign convention."""
    vis = _disk(truth.theta_mas, u, v, lam).astype(complex)
    if truth.flux_ratio > 0:
        comp = _disk(truth.companion_diameter_mas, u, v, lam) if truth.companion_diameter_mas > 0 else 1.0
        phase = np.exp(-2j * np.pi * (u * truth.x_mas + v * truth.y_mas) * MAS / lam)
        vis = (vis + truth.flux_ratio * comp * phase) / (1.0 + truth.flux_ratio)
    return vis


def _sub_wavelengths(lam: np.ndarray, band: np.ndarray, n_sub: int) -> np.ndarray:
    offsets = (np.arange(n_sub) + 0.5) / n_sub - 0.5
    return lam[:, None] + band[:, None] * offsets[None, :]


def noiseless(data: BinaryData, truth: Truth, n_sub: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Band-integrated V² and closure phases (degrees) on the coverage of `data`."""
    v = data.vis2
    lam = _sub_wavelengths(v.wavelength, v.band, n_sub)
    vis2 = np.mean(np.abs(complex_vis(truth, v.u[:, None], v.v[:, None], lam)) ** 2, axis=1)
    c = data.cp
    lam = _sub_wavelengths(c.wavelength, c.band, n_sub)
    t3 = (complex_vis(truth, c.u1[:, None], c.v1[:, None], lam)
          * complex_vis(truth, c.u2[:, None], c.v2[:, None], lam)
          * complex_vis(truth, -(c.u1 + c.u2)[:, None], -(c.v1 + c.v2)[:, None], lam))
    return vis2, np.degrees(np.angle(np.mean(t3, axis=1)))


def simulate(data: BinaryData, truth: Truth, noise: Noise, rng: np.random.Generator,
             n_sub: int = 25) -> BinaryData:
    """A noisy realisation of `truth` observed with the coverage (and at least the error bars) of `data`."""
    vis2, cp = noiseless(data, truth, n_sub)
    err2 = np.maximum(data.vis2.err, np.hypot(noise.vis2_relative * np.abs(vis2), noise.vis2_floor))
    errc = np.maximum(data.cp.err, noise.cp_floor_deg)
    obs2 = vis2 + err2 * rng.standard_normal(vis2.size)
    if noise.night_calibration > 0:
        nights, inverse = np.unique(data.vis2.night, return_inverse=True)
        obs2 = obs2 * (1.0 + noise.night_calibration * rng.standard_normal(nights.size))[inverse]
    obsc = (cp + errc * rng.standard_normal(cp.size) + 180.0) % 360.0 - 180.0
    return data.with_values(vis2=obs2, cp=obsc, vis2_err=err2, cp_err=errc)
