"""uv coordinates of CHARA baselines from station positions, hour angle, declination and latitude.

Standard transformation (Thompson, Moran & Swenson, "Interferometry and Synthesis in Radio
Astronomy", ch. 4): a baseline (E, N, U) in the local horizon frame becomes
X = -sin(lat) N + cos(lat) U, Y = E, Z = cos(lat) N + sin(lat) U in the equatorial frame, then
u = sin(H) X + cos(H) Y,  v = -sin(d) cos(H) X + sin(d) sin(H) Y + cos(d) Z.
Sidereal time from the IAU 1982 GMST polynomial (good to far below a second here).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

from domain.site import LAT_DEG, LON_DEG, STATIONS

TELESCOPES = ("S1", "S2", "E1", "E2", "W1", "W2")


def baselines(telescopes=TELESCOPES) -> list[tuple[str, str]]:
    """All telescope pairs in OI_ARRAY order (15 for six telescopes)."""
    return list(combinations(telescopes, 2))


def triangles(telescopes=TELESCOPES) -> list[tuple[str, str, str]]:
    return list(combinations(telescopes, 3))


def gmst_deg(mjd: np.ndarray) -> np.ndarray:
    """Greenwich mean sidereal time (deg) of a UT1≈UTC MJD."""
    d = np.asarray(mjd, dtype=float) - 51544.5
    t = d / 36525.0
    return (280.46061837 + 360.98564736629 * d + 0.000387933 * t**2) % 360.0


def hour_angle_deg(mjd: np.ndarray, ra_deg: float) -> np.ndarray:
    """Local hour angle (deg, -180..180) of a star at CHARA."""
    return (gmst_deg(mjd) + LON_DEG - ra_deg + 180.0) % 360.0 - 180.0


def enu(station: str) -> np.ndarray:
    return np.array(STATIONS[station], dtype=float)


def uv(t1: str, t2: str, mjd: np.ndarray, ra_deg: float, dec_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) in metres of the record STA_INDEX = (t1, t2): position of t1 minus t2, Aspro2's sign."""
    e, n, up = enu(t1) - enu(t2)
    lat = np.deg2rad(LAT_DEG)
    x = -np.sin(lat) * n + np.cos(lat) * up
    y = e
    z = np.cos(lat) * n + np.sin(lat) * up
    h = np.deg2rad(hour_angle_deg(mjd, ra_deg))
    d = np.deg2rad(dec_deg)
    u = np.sin(h) * x + np.cos(h) * y
    v = -np.sin(d) * np.cos(h) * x + np.sin(d) * np.sin(h) * y + np.cos(d) * z
    return u, v


def altitude_deg(mjd: np.ndarray, ra_deg: float, dec_deg: float) -> np.ndarray:
    lat, d = np.deg2rad(LAT_DEG), np.deg2rad(dec_deg)
    h = np.deg2rad(hour_angle_deg(mjd, ra_deg))
    return np.rad2deg(np.arcsin(np.sin(lat) * np.sin(d) + np.cos(lat) * np.cos(d) * np.cos(h)))
