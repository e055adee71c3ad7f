"""Synthetic calibrated OIFITS (V² and closure phases) of a uniform disk, optionally with a companion.

Pure (astropy + numpy): tests, the bench and the demo need L2 files of known
answer. The u,v coverage comes from the six CHARA stations rotated over a few
hour angles; the companion (if any) is a smaller uniform disk at (Δα, Δδ), which
gives closure phases away from 0/180° like a real binary.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from astropy.io import fits

from pipelines.analysis.fitting import MAS, vis_uniform

# East, North offsets (m) of the CHARA stations (rounded)
CHARA_STATIONS = {"S1": (0.0, 0.0), "S2": (-5.75, 33.58), "E1": (125.33, 305.93), "E2": (70.40, 269.71),
                  "W1": (-175.07, 216.32), "W2": (-69.09, 199.34)}
SPICA_WAVELENGTHS = np.linspace(0.60e-6, 0.90e-6, 24)
MIRCX_H_WAVELENGTHS = np.linspace(1.50e-6, 1.74e-6, 8)


@dataclass(frozen=True)
class Companion:
    flux_ratio: float  # secondary / primary
    dra_mas: float
    ddec_mas: float
    diameter_mas: float = 0.3


def _complex_vis(u, v, lam, theta: float, companion: Companion | None):
    sf = np.hypot(u, v) / lam
    vis = vis_uniform(np.pi * theta * MAS * sf).astype(complex)
    if companion is not None:
        c = companion
        v2 = vis_uniform(np.pi * c.diameter_mas * MAS * sf)
        phase = -2j * np.pi * (u * c.dra_mas + v * c.ddec_mas) * MAS / lam
        vis = (vis + c.flux_ratio * v2 * np.exp(phase)) / (1.0 + c.flux_ratio)
    return vis


def synthetic_oifits(*, theta_mas: float, target: str = "SYNTH", mjd: float = 60400.3, n_times: int = 4,
                     wavelengths: np.ndarray = SPICA_WAVELENGTHS, noise: float = 0.02, t3_noise_deg: float = 1.0,
                     companion: Companion | None = None, seed: int = 0, insname: str = "SPICA_SYNTH") -> bytes:
    """Bytes of an OIFITS2 file: V² with relative noise `noise` (+0.002 floor), closure phases ± t3_noise_deg."""
    rng = np.random.default_rng(seed)
    names = list(CHARA_STATIONS)
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    triples = [(i, j, k) for i in range(6) for j in range(i + 1, 6) for k in range(j + 1, 6)]
    xy = np.array([CHARA_STATIONS[n] for n in names])
    lam = np.asarray(wavelengths, dtype=float)
    v2_rows, t3_rows = [], []
    for t in range(n_times):
        angle = np.deg2rad(-45.0 + 90.0 * t / max(n_times - 1, 1))
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        uv = xy @ rot.T * np.array([1.0, 0.85])  # foreshortening of a star at moderate elevation
        time_mjd = mjd + t * 0.03
        for i, j in pairs:
            u, v = uv[j] - uv[i]
            vis2 = np.abs(_complex_vis(u, v, lam, theta_mas, companion)) ** 2
            err = noise * vis2 + 0.002
            v2_rows.append((time_mjd, u, v, (i + 1, j + 1), vis2 + rng.normal(0, err), err))
        for i, j, k in triples:
            u1, v1 = uv[j] - uv[i]
            u2, v2 = uv[k] - uv[j]
            bisp = (_complex_vis(u1, v1, lam, theta_mas, companion) * _complex_vis(u2, v2, lam, theta_mas, companion)
                    * np.conj(_complex_vis(u1 + u2, v1 + v2, lam, theta_mas, companion)))
            phi = np.rad2deg(np.angle(bisp)) + rng.normal(0, t3_noise_deg, lam.size)
            t3_rows.append((time_mjd, u1, v1, u2, v2, (i + 1, j + 1, k + 1), phi))
    return _write(target, insname, lam, names, xy, v2_rows, t3_rows, t3_noise_deg)


def _write(target, insname, lam, names, xy, v2_rows, t3_rows, t3_err) -> bytes:
    nch = lam.size
    primary = fits.PrimaryHDU()
    primary.header["CONTENT"] = "OIFITS2"
    primary.header["OBJECT"] = target
    primary.header["MJD-OBS"] = v2_rows[0][0]
    primary.header["ORIGIN"] = "ISSP portal synthetic"
    arr = fits.BinTableHDU.from_columns([
        fits.Column("TEL_NAME", "16A", array=names), fits.Column("STA_NAME", "16A", array=names),
        fits.Column("STA_INDEX", "I", array=np.arange(1, 7)), fits.Column("DIAMETER", "E", array=np.ones(6)),
        fits.Column("STAXYZ", "3D", array=np.c_[xy, np.zeros(6)]),
    ], name="OI_ARRAY")
    arr.header.update({"OI_REVN": 2, "ARRNAME": "CHARA", "FRAME": "GEOCENTRIC", "ARRAYX": 0.0, "ARRAYY": 0.0,
                       "ARRAYZ": 0.0})
    tgt = fits.BinTableHDU.from_columns([
        fits.Column("TARGET_ID", "I", array=[1]), fits.Column("TARGET", "32A", array=[target]),
        fits.Column("RAEP0", "D", array=[0.0]), fits.Column("DECEP0", "D", array=[0.0]),
        fits.Column("EQUINOX", "E", array=[2000.0]),
    ], name="OI_TARGET")
    tgt.header["OI_REVN"] = 2
    wav = fits.BinTableHDU.from_columns([
        fits.Column("EFF_WAVE", "E", array=lam), fits.Column("EFF_BAND", "E", array=np.gradient(lam)),
    ], name="OI_WAVELENGTH")
    wav.header.update({"OI_REVN": 2, "INSNAME": insname})
    n, m = len(v2_rows), len(t3_rows)

    def col(rows, idx):
        return np.array([r[idx] for r in rows])

    def common(rows, k):
        return [fits.Column("TARGET_ID", "I", array=np.ones(k)), fits.Column("TIME", "D", array=np.zeros(k)),
                fits.Column("MJD", "D", array=col(rows, 0)), fits.Column("INT_TIME", "D", array=np.full(k, 60.0))]

    vis2 = fits.BinTableHDU.from_columns(common(v2_rows, n) + [
        fits.Column("VIS2DATA", f"{nch}D", array=col(v2_rows, 4)),
        fits.Column("VIS2ERR", f"{nch}D", array=col(v2_rows, 5)),
        fits.Column("UCOORD", "D", array=col(v2_rows, 1)), fits.Column("VCOORD", "D", array=col(v2_rows, 2)),
        fits.Column("STA_INDEX", "2I", array=col(v2_rows, 3)),
        fits.Column("FLAG", f"{nch}L", array=np.zeros((n, nch), dtype=bool)),
    ], name="OI_VIS2")
    t3 = fits.BinTableHDU.from_columns(common(t3_rows, m) + [
        fits.Column("T3AMP", f"{nch}D", array=np.ones((m, nch))),
        fits.Column("T3AMPERR", f"{nch}D", array=np.full((m, nch), 0.1)),
        fits.Column("T3PHI", f"{nch}D", array=col(t3_rows, 6)),
        fits.Column("T3PHIERR", f"{nch}D", array=np.full((m, nch), t3_err)),
        fits.Column("U1COORD", "D", array=col(t3_rows, 1)), fits.Column("V1COORD", "D", array=col(t3_rows, 2)),
        fits.Column("U2COORD", "D", array=col(t3_rows, 3)), fits.Column("V2COORD", "D", array=col(t3_rows, 4)),
        fits.Column("STA_INDEX", "3I", array=col(t3_rows, 5)),
        fits.Column("FLAG", f"{nch}L", array=np.zeros((m, nch), dtype=bool)),
    ], name="OI_T3")
    for h in (vis2, t3):
        h.header.update({"OI_REVN": 2, "DATE-OBS": "2024-04-01", "ARRNAME": "CHARA", "INSNAME": insname})
    buf = io.BytesIO()
    fits.HDUList([primary, arr, tgt, wav, vis2, t3]).writeto(buf)
    return buf.getvalue()
