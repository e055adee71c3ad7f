"""Simulated SPICA visits: true visibilities × a drifting transfer function, plus noise.

TF²(t, baseline, λ) = T0(baseline, λ) · drift(t) · (1 + jitter per visit and baseline);
σ(V²) = √((noise_rel · V²_meas)² + floor²), reported honestly as VIS2ERR.
Closure phases = astrophysical + a smooth instrumental term a + b (λ0/λ − 1) per triangle, drifting
slowly in time, plus noise of `cp_noise_deg`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tests.sim import geometry as geo
from tests.sim import visibility as vis

WAVE = np.linspace(0.60e-6, 0.90e-6, 60)
LAMBDA0 = 0.75e-6


@dataclass
class Star:
    """True properties of a star, and what the catalogue says of a calibrator."""

    name: str
    ra: float
    dec: float
    theta: float  # true UD (or LD) diameter, mas
    science: bool = True
    catalog: float | None = None
    catalog_err: float | None = None
    ld_u: float = 0.0  # linear limb-darkening coefficient of the truth (0: uniform disk)
    companion: tuple[float, float, float] | None = None  # (flux ratio, separation mas, PA deg)

    def complex_vis(self, u: np.ndarray, v: np.ndarray, wave: np.ndarray) -> np.ndarray:
        sf = np.hypot(u, v) / wave
        if self.companion is not None:
            ratio, sep, pa = self.companion
            return vis.v_binary(u, v, wave, self.theta, 0.1, ratio, sep, pa)
        if self.ld_u:
            return vis.v_ld_linear(sf, self.theta, self.ld_u).astype(complex)
        return vis.v_ud(sf, self.theta).astype(complex)


@dataclass
class Instrument:
    """The transfer function and noise of one simulated night."""

    drift: tuple[float, ...] = (0.06, -0.03)  # TF² ∝ 1 + Σ c_k τ^(k+1), τ = (t − t_mid) / 0.2 d
    t_mid: float = 0.0
    jitter: float = 0.0  # relative per-visit, per-baseline TF² jitter (achromatic)
    noise_rel: float = 0.02
    noise_floor: float = 0.002
    cp_noise_deg: float = 0.7
    seed: int = 0
    rng: np.random.Generator = field(init=False)
    cp_inst: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        ntri = len(geo.triangles())
        self.cp_inst = self.rng.normal(0.0, [2.0, 3.0], size=(ntri, 2))  # a, b per triangle (deg)

    def tf2(self, t: np.ndarray, bl_index: np.ndarray) -> np.ndarray:
        """(nbl, nch) transfer function without jitter."""
        t0 = 0.55 + 0.25 * (WAVE[None, :] - 0.6e-6) / 0.3e-6 - 0.01 * np.asarray(bl_index)[:, None]
        tau = (np.asarray(t)[:, None] - self.t_mid) / 0.2
        return t0 * (1.0 + sum(c * tau ** (k + 1) for k, c in enumerate(self.drift)))


@dataclass
class Visit:
    """What one file holds: records (nrec per baseline) of V² and closure phases."""

    star: Star
    mjd: np.ndarray  # (nrec,)
    u: np.ndarray  # (nrec, nbl)
    v: np.ndarray
    vis2: np.ndarray  # (nrec, nbl, nch)
    vis2_err: np.ndarray
    vis2_true: np.ndarray  # calibrated truth
    tf2: np.ndarray  # the TF² that multiplied the truth
    t3phi: np.ndarray  # (nrec, ntri, nch)
    t3phi_err: np.ndarray
    t3amp: np.ndarray
    t3amp_err: np.ndarray
    t3phi_true: np.ndarray
    uvt: np.ndarray  # (nrec, ntri, 4) u1 v1 u2 v2


def observe(star: Star, mjd: float, inst: Instrument, nrec: int = 1, rec_step_min: float = 4.0) -> Visit:
    bls, tris = geo.baselines(), geo.triangles()
    times = mjd + np.arange(nrec) * rec_step_min / 1440.0
    nbl, nch = len(bls), WAVE.size
    u = np.zeros((nrec, nbl))
    v = np.zeros((nrec, nbl))
    for j, (a, b) in enumerate(bls):
        u[:, j], v[:, j] = geo.uv(a, b, times, star.ra, star.dec)
    cvis = star.complex_vis(u[:, :, None], v[:, :, None], WAVE[None, None, :])
    v2_true = np.abs(cvis) ** 2
    tf2 = np.stack([inst.tf2(np.full(nbl, t), np.arange(nbl)) for t in times])
    if inst.jitter:
        tf2 = tf2 * (1.0 + inst.jitter * inst.rng.normal(size=(nrec, nbl, 1)))
    clean = tf2 * v2_true
    err = np.sqrt((inst.noise_rel * clean) ** 2 + inst.noise_floor**2)
    vis2 = clean + err * inst.rng.normal(size=clean.shape)
    index = {bl: j for j, bl in enumerate(bls)}
    ntri = len(tris)
    bis = np.zeros((nrec, ntri, nch), complex)
    tf3 = np.zeros((nrec, ntri, nch))
    uvt = np.zeros((nrec, ntri, 4))
    for k, (a, b, c) in enumerate(tris):
        ab, bc, ac = index[(a, b)], index[(b, c)], index[(a, c)]
        bis[:, k] = cvis[:, ab] * cvis[:, bc] * np.conj(cvis[:, ac])
        tf3[:, k] = np.sqrt(tf2[:, ab] * tf2[:, bc] * tf2[:, ac])
        uvt[:, k] = np.stack([u[:, ab], v[:, ab], u[:, bc], v[:, bc]], axis=1)
    phi_true = np.rad2deg(np.angle(bis))
    drift = 1.0 + 0.3 * (times[:, None, None] - inst.t_mid) / 0.2
    inst_cp = drift * (inst.cp_inst[None, :, :1] + inst.cp_inst[None, :, 1:] * (LAMBDA0 / WAVE[None, None, :] - 1))
    cp_err = np.full(phi_true.shape, inst.cp_noise_deg)
    phi = phi_true + inst_cp + cp_err * inst.rng.normal(size=phi_true.shape)
    amp_clean = tf3 * np.abs(bis)
    amp_err = np.sqrt((inst.noise_rel * amp_clean) ** 2 + inst.noise_floor**2)
    amp = amp_clean + amp_err * inst.rng.normal(size=amp_clean.shape)
    return Visit(star, times, u, v, vis2, err, v2_true, tf2, (phi + 180.0) % 360.0 - 180.0, cp_err, amp, amp_err,
                 phi_true, uvt)
