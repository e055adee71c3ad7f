"""Calibrator choice for each science target, with the reason for every choice.

Pure domain module (no Django). A calibrator is usable when it carries no active
flag (Be star, JMMC badcal, bad binary, suspect), has a uniform-disk diameter
in the science band, lies within `max_distance_deg` on the sky, and is not
resolved: its UD V² (issp_portal.visibility, catalogue diameter) at the longest
baseline of the configuration, at the band's wavelength, is at least `min_v2`
(PLANNING_MIN_CALIBRATOR_V2). A resolved calibrator makes a poor one: its
diameter error reaches the transfer function multiplied by |dln V²/dln θ|,
which grows fast as V² falls (`diameter_error_gain`). Among usable ones
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
from scipy.optimize import brentq

from domain.site import longest_baseline
from issp_portal.visibility import ud_vis2

BAND_WAVELENGTH_UM = {"V": 0.55, "R": 0.70, "I": 0.80, "J": 1.25, "H": 1.65, "K": 2.20}
LONGEST_BASELINE_M, LONGEST_BASELINE_NAME = longest_baseline()  # all six stations: S1-E1, 331 m
DEFAULT_MIN_V2 = 0.5


def calibrator_v2(diameter_mas: np.ndarray, baseline_m: float, wavelength_um: float) -> np.ndarray:
    """UD V² of each calibrator (catalogue diameter) at one baseline and wavelength; nan stays nan."""
    spfreq = baseline_m / (wavelength_um * 1e-6)
    # x = π θ B/λ depends on θ·(B/λ) only: one call for every diameter at once.
    return ud_vis2(np.atleast_1d(np.asarray(diameter_mas, float)) * spfreq, 1.0)


def diameter_error_gain(v2: float, baseline_m: float, wavelength_um: float) -> float:
    """|dln V² / dln θ| of a uniform disk whose V² is `v2` (first lobe): relative V² error per relative
    diameter error, the factor by which a calibrator's diameter error reaches the calibrated V²."""
    if not 0 < v2 < 1:
        return 0.0
    theta = brentq(lambda t: calibrator_v2(np.array([t]), baseline_m, wavelength_um)[0] - v2, 1e-6,
                   1.2197 / ((baseline_m / (wavelength_um * 1e-6)) * np.pi / 180 / 3600 / 1000) * 0.999)
    h = 1e-4
    up, down = calibrator_v2(np.array([theta * (1 + h), theta * (1 - h)]), baseline_m, wavelength_um)
    return float(abs(np.log(up) - np.log(down)) / (2 * h))


def resolution_rule(*, min_v2: float, band: str, baseline_m: float = LONGEST_BASELINE_M,
                    baseline_name: str = LONGEST_BASELINE_NAME) -> str:
    """The rule as shown on the plan page, with why."""
    wl = BAND_WAVELENGTH_UM[band]
    gain = diameter_error_gain(min_v2, baseline_m, wl)
    return (f"Calibrators with V² < {min_v2:.2f} at the longest baseline ({baseline_name}, {baseline_m:.0f} m) in "
            f"{band} ({wl:.2f} µm) are never chosen: at that limit a 10 % diameter error already moves the "
            f"calibrated V² by {10 * gain:.0f} %.")


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
    min_v2: float = DEFAULT_MIN_V2,
) -> list[list[CalibratorChoice]]:
    """Best `per_target` calibrators for each science target (empty list = uncalibratable)."""
    n = len(np.atleast_1d(ra_deg))
    if n == 0 or len(catalog) == 0:
        return [[] for _ in range(n)]
    wl = BAND_WAVELENGTH_UM[band]
    diam = np.asarray(catalog.diameter_mas, float)
    err = np.asarray(catalog.diameter_error_mas, float)
    v2 = calibrator_v2(diam, baseline_m, wl)
    rel_err = np.where(np.isnan(err) | (diam <= 0), 0.2, err / np.where(diam > 0, diam, 1))
    usable = ~np.asarray(catalog.flagged, bool) & ~np.isnan(diam) & (diam > 0) & (v2 >= min_v2)
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


def uncalibratable_reason(*, max_distance_deg: float, ra_deg: float | None = None, dec_deg: float | None = None,
                          catalog: Catalog | None = None, band: str = "R", baseline_m: float = LONGEST_BASELINE_M,
                          min_v2: float = DEFAULT_MIN_V2) -> str:
    """Why no calibrator is available, with what lies within reach (flagged, no diameter, resolved) when known."""
    text = f"no calibrator available: none unflagged, with a diameter and unresolved within {max_distance_deg:g}°"
    if catalog is None or ra_deg is None or not len(catalog):
        return text
    near = angular_distance_deg(ra_deg, dec_deg, catalog.ra_deg, catalog.dec_deg) <= max_distance_deg
    if not near.any():
        return f"no calibrator available: none within {max_distance_deg:g}°"
    diam = np.asarray(catalog.diameter_mas, float)
    flagged = near & np.asarray(catalog.flagged, bool)
    no_diam = near & ~flagged & ~(diam > 0)
    v2 = calibrator_v2(diam, baseline_m, BAND_WAVELENGTH_UM[band])
    resolved = near & ~flagged & (diam > 0) & ~(v2 >= min_v2)
    parts = [f"{int(resolved.sum())} resolved (V² < {min_v2:.2f} at {baseline_m:.0f} m in {band})" if resolved.any()
             else "", f"{int(flagged.sum())} flagged" if flagged.any() else "",
             f"{int(no_diam.sum())} without a {band} diameter" if no_diam.any() else ""]
    return f"no calibrator available within {max_distance_deg:g}°: " + ", ".join(p for p in parts if p)
