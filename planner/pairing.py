"""Calibrator choice for each science target, with the reason for every choice.

Pure domain module (no Django). A calibrator is usable when it carries no active
flag (Be star, JMMC badcal, bad binary, suspect), has a uniform-disk diameter
in the science band, lies within `max_distance_deg` on the sky, and is not
resolved to near the first null on the longest baseline. Among usable ones
the cost adds (lower is better):

- distance / max_distance (close on the sky: same airmass, same pointing);
- |delta mag| in the science and fringe-tracking bands / 1 mag, averaged;
- 1 - V^2 of the uniform disk on the longest baseline (small diameter);
- 5 x relative diameter error (well-known diameter).

A target without any usable calibrator is "uncalibratable".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import j1

BAND_WAVELENGTH_UM = {"V": 0.55, "R": 0.70, "I": 0.80, "J": 1.25, "H": 1.65, "K": 2.20}
LONGEST_BASELINE_M = 331.0  # CHARA S1-E1
MAS = np.pi / 180 / 3600 / 1000
MIN_V2 = 0.05


def ud_visibility(theta_mas: np.ndarray, baseline_m: float, wavelength_um: float) -> np.ndarray:
    """Uniform-disk visibility 2 J1(x) / x with x = pi theta B / lambda."""
    x = np.pi * np.asarray(theta_mas, float) * MAS * baseline_m / (wavelength_um * 1e-6)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(x > 1e-9, 2 * j1(x) / x, 1.0)
    return v


def angular_distance_deg(ra1, dec1, ra2, dec2) -> np.ndarray:
    """Great-circle distance (haversine, stable at small angles); broadcasts."""
    ra1, dec1, ra2, dec2 = (np.radians(np.asarray(a, float)) for a in (ra1, dec1, ra2, dec2))
    s = np.sin((dec2 - dec1) / 2) ** 2 + np.cos(dec1) * np.cos(dec2) * np.sin((ra2 - ra1) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(s, 0, 1))))


def _unit(ra_deg: np.ndarray, dec_deg: np.ndarray) -> np.ndarray:
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


@dataclass(frozen=True)
class CalibratorChoice:
    index: int  # row in the calibrator arrays
    distance_deg: float
    dmag_sci: float
    dmag_ft: float
    diameter_mas: float
    diameter_error_mas: float
    v2_longest: float
    cost: float
    reason: str


@dataclass(frozen=True)
class Catalog:
    """Calibrator arrays, aligned; nan = unknown."""

    ra_deg: np.ndarray
    dec_deg: np.ndarray
    mag_sci: np.ndarray
    mag_ft: np.ndarray
    diameter_mas: np.ndarray
    diameter_error_mas: np.ndarray
    flagged: np.ndarray  # bool: any active flag

    def __len__(self) -> int:
        return len(self.ra_deg)


def choose(
    *,
    ra_deg: np.ndarray,
    dec_deg: np.ndarray,
    mag_sci: np.ndarray,
    mag_ft: np.ndarray,
    catalog: Catalog,
    band: str,
    ft_band: str,
    max_distance_deg: float,
    per_target: int = 2,
    baseline_m: float = LONGEST_BASELINE_M,
) -> list[list[CalibratorChoice]]:
    """Best `per_target` calibrators for each science target (empty list = uncalibratable)."""
    n = len(np.atleast_1d(ra_deg))
    if n == 0 or len(catalog) == 0:
        return [[] for _ in range(n)]
    wl = BAND_WAVELENGTH_UM[band]
    diam = np.asarray(catalog.diameter_mas, float)
    err = np.asarray(catalog.diameter_error_mas, float)
    v2 = ud_visibility(diam, baseline_m, wl) ** 2
    rel_err = np.where(np.isnan(err) | (diam <= 0), 0.2, err / np.where(diam > 0, diam, 1))
    usable = ~np.asarray(catalog.flagged, bool) & ~np.isnan(diam) & (diam > 0) & (v2 >= MIN_V2)
    cos_max = np.cos(np.radians(max_distance_deg))
    dot = _unit(np.asarray(ra_deg, float), np.asarray(dec_deg, float)) @ _unit(catalog.ra_deg, catalog.dec_deg).T
    near = (dot >= cos_max) & usable[None, :]
    cal_sci, cal_ft = np.asarray(catalog.mag_sci, float), np.asarray(catalog.mag_ft, float)
    sci_mag, ft_mag = np.asarray(mag_sci, float), np.asarray(mag_ft, float)
    out: list[list[CalibratorChoice]] = []
    for i in range(n):
        js = np.flatnonzero(near[i])  # only the few calibrators within reach are costed
        if not len(js):
            out.append([])
            continue
        dist = np.degrees(2.0 * np.arcsin(np.sqrt(np.clip(2.0 - 2.0 * dot[i, js], 0.0, 4.0)) / 2.0))
        dsci, dft = cal_sci[js] - sci_mag[i], cal_ft[js] - ft_mag[i]
        # Mean |delta mag| over the bands known; unknown in both bands costs like a 2-mag mismatch.
        a, b = np.abs(dsci), np.abs(dft)
        known = (~np.isnan(a)).astype(float) + (~np.isnan(b))
        with np.errstate(invalid="ignore", divide="ignore"):
            dmag = np.where(known > 0, (np.nan_to_num(a) + np.nan_to_num(b)) / known, 2.0)
        cost = dist / max_distance_deg + dmag + (1 - v2[js]) + 5 * rel_err[js]
        row = []
        for k in np.argsort(cost, kind="stable")[:per_target]:
            j = int(js[k])
            reason = (
                f"{dist[k]:.1f}° away; Δ{band}={dsci[k]:+.2f}, Δ{ft_band}={dft[k]:+.2f} mag; "
                f"UD {diam[j]:.3f}±{err[j]:.3f} mas (V²={v2[j]:.2f} at {baseline_m:.0f} m, {wl:.2f} µm)"
            )
            row.append(CalibratorChoice(j, float(dist[k]), float(dsci[k]), float(dft[k]), float(diam[j]),
                                        float(err[j]), float(v2[j]), float(cost[k]), reason))
        out.append(row)
    return out


def uncalibratable_reason(*, max_distance_deg: float) -> str:
    return f"uncalibratable: no unflagged calibrator with a usable diameter within {max_distance_deg:g}°"
