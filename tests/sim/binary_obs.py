"""A star with or without a companion observed by six CHARA telescopes in the H band, built here from station
positions (`geometry.py`) and textbook visibilities (`visibility.py`), not from the companion search's code.

Eight channels of 1.50–1.72 µm, each integrated over 15 sub-channels (V² = band mean of |V|², closure
phase = phase of the band-mean triple product); hour angles from −2 h to +2 h. Noise: independent Gaussian,
σ(V²) = √((rel · V²)² + floor²) and a constant closure-phase σ. Returned as the search's `BinaryData`, one
record per (time, baseline or triangle), one night.
"""
from __future__ import annotations

import numpy as np

from pipelines.analysis.companion.data import BinaryData, ClosureSet, Vis2Set
from tests.sim import geometry as geo
from tests.sim import visibility as vis

WAVE = np.linspace(1.50e-6, 1.72e-6, 8)
BAND = np.full(WAVE.size, WAVE[1] - WAVE[0])
RA, DEC = 30.0, 25.0
MJD0 = 60200.0


def _transit_mjds(n_times: int) -> np.ndarray:
    """MJDs of n hour angles evenly from −2 h to +2 h (a night around transit)."""
    grid = MJD0 + np.linspace(0, 1, 2001)
    mid = grid[np.argmin(np.abs(geo.hour_angle_deg(grid, RA)))]
    return mid + np.linspace(-2, 2, n_times) / 24.0 / 1.0027379


def _band_average(values_of_wave, n_sub: int = 15) -> np.ndarray:
    offsets = (np.arange(n_sub) + 0.5) / n_sub - 0.5
    return np.mean([values_of_wave(WAVE + BAND * o) for o in offsets], axis=0)


def observe(theta: float, companion: tuple[float, float, float] | None, *, seed: int, n_times: int = 5,
            vis2_rel: float = 0.02, vis2_floor: float = 0.002, cp_deg: float = 1.0) -> BinaryData:
    """companion = (flux ratio, separation mas, PA deg east of north) or None."""
    ratio, sep, pa = companion or (0.0, 0.0, 0.0)
    mjd = _transit_mjds(n_times)
    rng = np.random.default_rng(seed)

    def cvis(u, v, wave):
        return vis.v_binary(u, v, wave, theta, 0.0, ratio, sep, pa)

    rows2, rowsc = [], []
    for t in mjd:
        for a, b in geo.baselines():
            u, v = geo.uv(a, b, np.array([t]), RA, DEC)
            v2 = _band_average(lambda w, u=u, v=v: np.abs(cvis(u[0], v[0], w)) ** 2)
            rows2.append((u[0], v[0], v2))
        for a, b, c in geo.triangles():
            u1, v1 = geo.uv(a, b, np.array([t]), RA, DEC)
            u2, v2_ = geo.uv(b, c, np.array([t]), RA, DEC)

            def t3(w, u1=u1[0], v1=v1[0], u2=u2[0], v2_=v2_[0]):
                return cvis(u1, v1, w) * cvis(u2, v2_, w) * cvis(-(u1 + u2), -(v1 + v2_), w)

            rowsc.append((u1[0], v1[0], u2[0], v2_[0], np.degrees(np.angle(_band_average(t3)))))
    nch = WAVE.size

    def per_channel(rows, k):
        return np.repeat([r[k] for r in rows], nch)

    vis2 = np.concatenate([r[2] for r in rows2])
    err2 = np.hypot(vis2_rel * vis2, vis2_floor)
    cp = np.concatenate([r[4] for r in rowsc])
    errc = np.full(cp.size, cp_deg)
    n2, nc = len(rows2), len(rowsc)
    v = Vis2Set(u=per_channel(rows2, 0), v=per_channel(rows2, 1), wavelength=np.tile(WAVE, n2),
                band=np.tile(BAND, n2), vis2=vis2 + err2 * rng.standard_normal(vis2.size), err=err2,
                record=np.repeat(np.arange(n2), nch), night=np.zeros(vis2.size, dtype=int))
    noisy_cp = (cp + errc * rng.standard_normal(cp.size) + 180.0) % 360.0 - 180.0
    c = ClosureSet(u1=per_channel(rowsc, 0), v1=per_channel(rowsc, 1), u2=per_channel(rowsc, 2),
                   v2=per_channel(rowsc, 3), wavelength=np.tile(WAVE, nc), band=np.tile(BAND, nc), cp=noisy_cp,
                   err=errc, record=n2 + np.repeat(np.arange(nc), nch), night=np.zeros(cp.size, dtype=int))
    return BinaryData(vis2=v, cp=c, sources=("simulated",))
