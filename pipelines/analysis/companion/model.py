"""Vectorised binary model: V² and closure phases of a uniform-disk primary and a companion, with smearing.

Pure numpy/scipy. Evaluated for P parameter sets at once (arrays P × N), with analytic
derivatives, so thousands of fits advance together.

Model: V(b) = (a_b + f c_b e^{−2iπ σ D_b}) / (1 + f), D_b = u_b x + v_b y (x towards East, y North,
OIFITS sign convention), a = primary uniform-disk visibility, c = companion visibility (1 when
unresolved), σ = 1/λ. Bandwidth smearing: each channel is a top-hat of width Δσ = Δλ/λ², and the
band average of e^{−2iπσD} is e^{−2iπσ₀D} sinc(Δσ D). Both observables have exact closed forms:
  V² = (a² + f²c² + 2 f a c cos(2πσD) sinc(ΔσD)) / (1 + f)²
  T3 = a₁a₂a₃ + f³c₁c₂c₃ + f Σ_k P_k E_k* + f² Σ_k Q_k E_k,   E_k = e^{2iπσD_k} sinc(ΔσD_k)
with P_k = c_k a_l a_m, Q_k = a_k c_l c_m, and the third side of a triangle (u₃, v₃) = −(u₁+u₂, v₁+v₂):
all the phase sums of the product fall back onto one side of the triangle. The primary's own
visibility is taken as constant across a channel.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import j0, j1

from .data import MAS, BinaryData

TWO_PI = 2.0 * np.pi
RAD2DEG = 180.0 / np.pi


def ud_visibility(theta_mas, sf: np.ndarray, derivative: bool = True):
    """2J₁(x)/x at x = π θ B/λ and its derivative with respect to θ (per mas); the value alone without
    `derivative`."""
    scale = np.pi * MAS * sf
    theta = np.asarray(theta_mas, dtype=float)
    x = theta.reshape(-1, *([1] * np.ndim(sf))) * scale if theta.ndim else float(theta) * scale
    small = np.abs(x) < 1e-6
    xs = np.where(small, 1.0, x)
    airy = 2.0 * j1(xs) / xs
    vis = np.where(small, 1.0 - x * x / 8.0, airy)
    if not derivative:
        return vis
    j2 = airy - j0(xs)
    dvis_dx = np.where(small, -x / 4.0, -2.0 * j2 / xs)
    return vis, dvis_dx * scale


def _sinc_and_slope(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sinc(z) = sin(πz)/(πz) and its derivative."""
    small = np.abs(z) < 1e-4
    zs = np.where(small, 1.0, z)
    pz = np.pi * zs
    s = np.where(small, 1.0 - (np.pi * z) ** 2 / 6.0, np.sin(pz) / pz)
    ds = np.where(small, -(np.pi**2) * z / 3.0, (np.cos(pz) - s) / zs)
    return s, ds


@dataclass(frozen=True)
class Layout:
    """Per-point constants of one data set: what the model needs besides the parameters."""

    u2: np.ndarray  # (N2,) m, V² baselines
    v2: np.ndarray
    sig2: np.ndarray  # 1/λ
    dsig2: np.ndarray  # Δλ/λ²
    sf2: np.ndarray  # B/λ
    uc: np.ndarray  # (Nc, 3) triangle sides, third = −(first + second)
    vc: np.ndarray
    sigc: np.ndarray  # (Nc, 1)
    dsigc: np.ndarray
    sfc: np.ndarray  # (Nc, 3)
    comp2: np.ndarray  # companion visibility on V² baselines (1 = unresolved)
    compc: np.ndarray  # (Nc, 3)
    sf: np.ndarray  # (U,) the distinct B/λ of sf2 and sfc: triangle sides repeat the V² baselines
    i2: np.ndarray  # (N2,) index of each sf2 in sf
    ic: np.ndarray  # (Nc, 3) index of each sfc in sf
    fq: np.ndarray  # (F, 4) the distinct (u, v, σ, Δσ) of V² points and sides, (u, v) up to sign
    j2: np.ndarray  # (N2,) row of each V² point in fq
    jc: np.ndarray  # (Nc, 3) row of each side in fq
    s2: np.ndarray  # (N2,) +1, or −1 where the V² point is −(u, v) of its row
    sc: np.ndarray  # (Nc, 3) the same for the sides

    @property
    def n2(self) -> int:
        return int(self.u2.size)

    @property
    def n(self) -> int:
        return int(self.u2.size + self.uc.shape[0])


def layout_of(data: BinaryData, companion_diameter_mas: float = 0.0) -> Layout:
    v, c = data.vis2, data.cp
    uc = np.stack([c.u1, c.u2, -(c.u1 + c.u2)], axis=1)
    vc = np.stack([c.v1, c.v2, -(c.v1 + c.v2)], axis=1)
    sf2 = np.hypot(v.u, v.v) / v.wavelength
    sfc = np.hypot(uc, vc) / c.wavelength[:, None]
    comp2, compc = np.ones_like(sf2), np.ones_like(sfc)
    if companion_diameter_mas > 0:
        comp2, compc = ud_visibility(companion_diameter_mas, sf2)[0], ud_visibility(companion_diameter_mas, sfc)[0]
    n2 = sf2.size
    sf, inverse = np.unique(np.concatenate([sf2, sfc.ravel()]), return_inverse=True)  # exact duplicates only
    sig2, dsig2 = 1.0 / v.wavelength, v.band / v.wavelength**2
    sigc, dsigc = (1.0 / c.wavelength)[:, None], (c.band / c.wavelength**2)[:, None]
    u, w = np.concatenate([v.u, uc.ravel()]), np.concatenate([v.v, vc.ravel()])
    sign = np.where((u < 0) | ((u == 0) & (w < 0)), -1.0, 1.0)
    keys = np.stack([sign * u, sign * w, np.concatenate([sig2, np.broadcast_to(sigc, uc.shape).ravel()]),
                     np.concatenate([dsig2, np.broadcast_to(dsigc, uc.shape).ravel()])], axis=1)
    fq, rows = np.unique(keys, axis=0, return_inverse=True)
    rows = rows.ravel()
    return Layout(u2=v.u, v2=v.v, sig2=sig2, dsig2=dsig2, sf2=sf2, uc=uc, vc=vc, sigc=sigc, dsigc=dsigc,
                  sfc=sfc, comp2=comp2, compc=compc, sf=sf, i2=inverse[:n2], ic=inverse[n2:].reshape(sfc.shape),
                  fq=fq, j2=rows[:n2], jc=rows[n2:].reshape(uc.shape), s2=sign[:n2], sc=sign[n2:].reshape(uc.shape))


def _table_phasors(lay: Layout, x: np.ndarray, y: np.ndarray, slope: bool):
    """Re and Im of E = e^{2iπσD} sinc(ΔσD) on the rows of lay.fq for P positions (P, F); with `slope`, also
    of dE/dD (per mas of D/(u, v) in m)."""
    u, w, sig, dsig = lay.fq.T
    d = (x[:, None] * u + y[:, None] * w) * MAS
    phase = TWO_PI * sig * d
    s, ds = _sinc_and_slope(dsig * d)
    cos_p, sin_p = np.cos(phase), np.sin(phase)
    if not slope:
        return cos_p * s, sin_p * s
    dre = (cos_p * dsig * ds - TWO_PI * sig * sin_p * s) * MAS
    dim = (sin_p * dsig * ds + TWO_PI * sig * cos_p * s) * MAS
    return cos_p * s, sin_p * s, dre, dim


def fringe_phasors(lay: Layout, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Band-averaged fringe phasor of a companion at P positions, E = e^{2iπσD} sinc(ΔσD), on V² points (P, N2)
    and triangle sides (P, Nc, 3); computed once per distinct (u, v, σ, Δσ): sides repeat the V² baselines.
    A point at −(u, v) of its row has the conjugate phasor (sinc is even)."""
    re, im = _table_phasors(lay, x, y, slope=False)
    return re[:, lay.j2] + 1j * (lay.s2 * im[:, lay.j2]), re[:, lay.jc] + 1j * (lay.sc * im[:, lay.jc])


def disk(lay: Layout, theta) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Primary UD visibility and its θ-derivative on V² baselines and triangle sides: (a2, da2, ac, dac),
    shapes (N2,), (Nc, 3) for a scalar θ, (P, N2), (P, Nc, 3) for P values. The Bessel functions are
    evaluated once per distinct B/λ (a triangle's sides are V² baselines: 2-5× fewer)."""
    a, da = ud_visibility(theta, lay.sf)
    return a[..., lay.i2], da[..., lay.i2], a[..., lay.ic], da[..., lay.ic]


def observed_vector(data: BinaryData) -> np.ndarray:
    return np.concatenate([data.vis2.vis2, data.cp.cp])


def residuals(model: np.ndarray, observed: np.ndarray, n2: int) -> np.ndarray:
    """model − data, closure phases wrapped to (−180°, 180°]."""
    r = model - observed
    r[..., n2:] = (r[..., n2:] + 180.0) % 360.0 - 180.0
    return r


def single_star(lay: Layout, theta) -> tuple[np.ndarray, np.ndarray]:
    """Model vector of the primary alone and its derivative with respect to θ (closure phases 0 or 180°);
    (N,) for a scalar θ, (P, N) for P values of θ at once."""
    a2, da2, ac, _ = disk(lay, theta)
    cp = np.where(np.prod(ac, axis=-1) < 0, 180.0, 0.0)
    return np.concatenate([a2 * a2, cp], axis=-1), np.concatenate([2 * a2 * da2, np.zeros(cp.shape)], axis=-1)


def single_star_models(lay: Layout, theta: np.ndarray) -> np.ndarray:
    """Model vectors (P, N) of the primary alone for P values of θ, without derivatives (θ scans): the
    closure phase is 180° where an odd number of the triangle's sides lie beyond an odd null."""
    a = ud_visibility(theta, lay.sf, derivative=False)
    negative = (a < 0)[..., lay.ic]
    cp = 180.0 * (negative[..., 0] ^ negative[..., 1] ^ negative[..., 2])
    return np.concatenate([a[..., lay.i2] ** 2, cp], axis=-1)


def binary(lay: Layout, x: np.ndarray, y: np.ndarray, f: np.ndarray, theta, *, jacobian: bool = False,
           fit_theta: bool = False):
    """Model (P, N) for P parameter sets; with `jacobian`, also d model / d(x, y, f[, θ]) as (P, N, 3 or 4).

    x, y in mas, f = flux ratio (companion/primary), θ = primary UD diameter in mas (scalar or (P,)).
    """
    x, y, f = (np.asarray(a, dtype=float)[:, None] for a in (x, y, f))
    a2, da2, ac, dac = disk(lay, theta)  # (N2,) or (P, N2); (Nc, 3) or (P, Nc, 3)
    c2 = lay.comp2
    parts = _table_phasors(lay, x[:, 0], y[:, 0], slope=jacobian)
    re, im = parts[0], parts[1]
    k = re[:, lay.j2]  # Re E: even in the sign of (u, v)
    norm = 1.0 / (1.0 + f) ** 2
    num = a2 * a2 + f * f * c2 * c2 + 2.0 * f * a2 * c2 * k
    vis2 = num * norm

    # closure phases: sides (P, Nc, 3)
    cc = lay.compc
    f3 = f[..., None]
    ee = re[:, lay.jc] + 1j * (lay.sc * im[:, lay.jc])
    a_l, a_m = np.roll(ac, -1, axis=-1), np.roll(ac, -2, axis=-1)
    c_l, c_m = np.roll(cc, -1, axis=-1), np.roll(cc, -2, axis=-1)
    pk, qk = cc * a_l * a_m, ac * c_l * c_m
    c123 = np.prod(cc, axis=-1)
    s1, s2 = np.sum(pk * ee.conj(), axis=-1), np.sum(qk * ee, axis=-1)
    t3 = np.prod(ac, axis=-1) + f**3 * c123 + f * s1 + f * f * s2
    cp = np.angle(t3) * RAD2DEG
    p = vis2.shape[0] if vis2.ndim == 2 else x.shape[0]
    model = np.concatenate([np.broadcast_to(vis2, (p, lay.n2)), np.broadcast_to(cp, (p, cp.shape[-1]))], axis=1)
    if not jacobian:
        return model

    n_par = 4 if fit_theta else 3
    jac = np.empty(model.shape + (n_par,))
    # dE/dD of a point at −(u, v) of its row is −conj(dE/dD of the row): Re flips sign, Im does not
    dre, dim = parts[2], parts[3]
    dk = lay.s2 * dre[:, lay.j2]  # d k / d(x or y) per unit u
    common = 2.0 * f * a2 * c2 * dk * norm
    jac[:, :lay.n2, 0] = common * lay.u2
    jac[:, :lay.n2, 1] = common * lay.v2
    jac[:, :lay.n2, 2] = (2.0 * f * c2 * c2 + 2.0 * a2 * c2 * k) * norm - 2.0 * num * norm / (1.0 + f)
    dee = lay.sc * dre[:, lay.jc] + 1j * dim[:, lay.jc]  # d E / d(x or y) per unit u
    side = f3 * pk * dee.conj() + f3 * f3 * qk * dee
    inv_t3 = RAD2DEG / t3
    jac[:, lay.n2:, 0] = np.imag(np.sum(side * lay.uc, axis=-1) * inv_t3)
    jac[:, lay.n2:, 1] = np.imag(np.sum(side * lay.vc, axis=-1) * inv_t3)
    dt3_df = 3.0 * f * f * c123 + s1 + 2.0 * f * s2
    jac[:, lay.n2:, 2] = np.imag(dt3_df * inv_t3)
    if fit_theta:
        jac[:, :lay.n2, 3] = (2.0 * a2 + 2.0 * f * c2 * k) * da2 * norm
        eel, eem = np.roll(ee, -1, axis=-1), np.roll(ee, -2, axis=-1)
        dt3_da = (a_l * a_m + f3 * (c_l * a_m * eel.conj() + a_l * c_m * eem.conj()) + f3 * f3 * c_l * c_m * ee)
        jac[:, lay.n2:, 3] = np.imag(np.sum(dt3_da * dac, axis=-1) * inv_t3)
    return model, jac
