"""χ² improvement of a faint companion over the single star, on a whole position grid at once.

Pure numpy. To first order in the flux ratio f, the binary's observables are M₀ + f G(x, y):
  V²:  G = 2a (Re Φ − a),            closure phase: G = −(180/π) Σ_sides (c/a) Im Φ,
with Φ = band average of e^{2iπσD}, D = u x + v y (smearing by Gauss–Legendre nodes across Δσ).
χ²(f) = χ₀² − 2f G·r + f² G·G is minimised by f = G·r / G·G, a gain Δχ² = (G·r)²/(G·G).
Every term is a sum of e^{2iπ(fu x + fv y)} over the data, which on a regular grid factorises
into a matrix product (x-phasors · coefficients) @ (y-phasors): the whole map costs a few BLAS
calls instead of one model evaluation per node. In G·G the terms that oscillate on the scale of
a baseline (they average out over the data) are dropped; the smearing envelope sinc² is kept. The
map only seeds the non-linear fits (`lm.py`), which use the exact model.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import RegularGridInterpolator
from scipy.ndimage import maximum_filter

from .data import MAS
from .model import Layout, disk

RAD2DEG = 180.0 / np.pi


@dataclass(frozen=True)
class Chi2Map:
    x: np.ndarray  # (Nx,) mas
    y: np.ndarray  # (Ny,) mas
    gain: np.ndarray  # (Ny, Nx) Δχ² of the best companion at each node (0 outside the annulus / f ≤ 0)
    flux: np.ndarray  # (Ny, Nx) first-order best flux ratio


def smearing_nodes(lay: Layout, rmax: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes on [−½, ½] and weights (sum 1), enough for the largest fringe shift at rmax."""
    shift = max(float(np.max(lay.dsig2 * lay.sf2 / lay.sig2)) if lay.n2 else 0.0,
                float(np.max(lay.dsigc * lay.sfc / lay.sigc)) if lay.sfc.size else 0.0) * rmax * MAS
    q = int(np.clip(np.ceil(3 * shift), 3, 12))
    t, w = np.polynomial.legendre.leggauss(q)
    return t / 2.0, w / 2.0


def _grid_phasors(freq: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """exp(2iπ MAS freq ⊗ grid) (K, G) on a regular grid: one exponential per row, then its powers by a
    cumulative product (a third of the time; rounding grows to ~1e-13 over the grid, far below float32)."""
    out = np.empty((freq.size, grid.size), dtype=complex)
    out[:, 0] = np.exp(2j * np.pi * MAS * freq * grid[0])
    if grid.size > 1:
        out[:, 1:] = np.exp(2j * np.pi * MAS * freq * (grid[1] - grid[0]))[:, None]
    return np.cumprod(out, axis=1)


def _phasor_sum(coef: np.ndarray, fu: np.ndarray, fv: np.ndarray, x: np.ndarray, y: np.ndarray,
                chunk: int = 4096) -> np.ndarray:
    """S[m, j, i] = Σ_k coef[k, m] exp(2iπ MAS (fu_k x_i + fv_k y_j)) for M coefficient sets at once,
    in single precision (a seed map); x and y are regular grids."""
    m = coef.shape[1]
    out = np.zeros((y.size, m * x.size), dtype=np.complex64)
    for lo in range(0, fu.size, chunk):
        sl = slice(lo, lo + chunk)
        ex = _grid_phasors(fu[sl], x)  # (K, Nx)
        ax = (ex[:, None, :] * coef[sl, :, None]).reshape(ex.shape[0], -1).astype(np.complex64)  # (K, M·Nx)
        by = _grid_phasors(fv[sl], y).T.astype(np.complex64)  # (Ny, K)
        out += by @ ax
    return np.moveaxis(out.reshape(y.size, m, x.size), 1, 0)


def _symmetric_sum(even: tuple, odd: tuple, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Re S (M, Ny, Nx) on a grid symmetric about 0 from its upper half: Re S(−x, −y) = +Re S(x, y) for
    the terms with real coefficients (`even`), −Re S(x, y) for imaginary ones (`odd`); each (coef, fu, fv)."""
    half = y.size // 2
    top = _phasor_sum(*even, x, y[half:]).real.astype(float)
    top_odd = _phasor_sum(*odd, x, y[half:]).real.astype(float)
    out = np.empty((top.shape[0], y.size, x.size))
    out[:, half:] = top + top_odd
    out[:, :half] = (top[:, 1:] - top_odd[:, 1:])[:, ::-1, ::-1]
    return out


def _envelope(u, v, dsig, x, y) -> np.ndarray:
    """sinc²(Δσ D) at P positions: (P,) + u.shape."""
    d = (x.reshape(-1, *([1] * u.ndim)) * u + y.reshape(-1, *([1] * u.ndim)) * v) * MAS
    return np.sinc(dsig * d) ** 2


def first_order_maps(lay: Layout, theta: float, r0: np.ndarray, weights: np.ndarray, rmin: float, rmax: float,
                     step: float, a_floor: float = 0.1, background: float = 0.0) -> list[Chi2Map]:
    """Maps of Δχ² for a companion at every node of a square grid (step in mas) within rmin ≤ r ≤ rmax.

    r0: data − single-star model (V² then closure phases in degrees); weights: (M, N) sets of 1/σ² per
    point, one map per set (the phasors are shared, only the coefficients differ). With `background`
    = f₀ > 0 the expansion is about a star plus f₀ of incoherent flux (a companion whose fringes are not
    yet placed): the dilution is then in r0 already and only the fringe terms vary (V² terms / (1 + f₀)²).
    """
    weights = np.atleast_2d(weights)
    t, w = smearing_nodes(lay, rmax)
    n = int(np.ceil(rmax / step))
    x = np.arange(-n, n + 1) * step
    y = x.copy()
    a2, _, ac, _ = disk(lay, theta)
    ac = np.where(ac < 0, -1.0, 1.0) * np.maximum(np.abs(ac), a_floor)
    w2, wc = weights[:, :lay.n2].T, weights[:, lay.n2:].T  # (N2, M), (Nc, M)
    r2, rc = r0[:lay.n2, None], r0[lay.n2:, None]
    beta = RAD2DEG * lay.compc / ac  # (Nc, 3)

    # G·r: V² terms 2 w a r Re(Φ) − 2 w a² r; closure terms −Σ β w r Im(Φ) = Re(i β w r Φ)
    sig2 = lay.sig2[:, None] + t[None, :] * lay.dsig2[:, None]  # (N2, Q)
    dilution = 1.0 if background <= 0 else 0.0  # the −2a² term of G (flux dilution), already fitted otherwise
    scale2 = 1.0 / (1.0 + background) ** 2
    coef2 = (2 * scale2 * w2 * (a2 * lay.comp2)[:, None] * r2)[:, None, :] * w[None, :, None]  # (N2, Q, M)
    coefc = 1j * beta[:, :, None, None] * (wc * rc)[:, None, None, :] * w[None, None, :, None]  # (Nc, 3, Q, M)
    m = weights.shape[0]
    even = (coef2.reshape(-1, m), (lay.u2[:, None] * sig2).ravel(), (lay.v2[:, None] * sig2).ravel())
    # closure terms summed per distinct (u, v, σ, Δσ) of the layout (sides repeat the V² baselines); only Re S
    # is used, so a side at −(u, v) of its row enters with the conjugate, i.e. negated imaginary, coefficient
    rows, inverse = np.unique(lay.jc.ravel(), return_inverse=True)
    merged = np.zeros((rows.size, t.size * m))
    np.add.at(merged, inverse.ravel(), (lay.sc[:, :, None, None] * coefc.imag).reshape(-1, t.size * m))
    fu, fv, fs, fds = lay.fq[rows].T
    sig_rows = fs[:, None] + t[None, :] * fds[:, None]  # (R, Q)
    odd = ((1j * merged).reshape(-1, m), (fu[:, None] * sig_rows).ravel(), (fv[:, None] * sig_rows).ravel())
    g_r = _symmetric_sum(even, odd, x, y) - dilution * np.sum(2 * w2 * (a2**2)[:, None] * r2, axis=0)[:, None, None]

    # G·G ≈ Σ 4 w a² (c² ½|Φ|² + a²) + Σ w β² ½|Φ|², |Φ|² = sinc²(Δσ D): smooth on the scale of the
    # smearing field of view, so computed on a coarse grid and interpolated
    coarse = np.linspace(-n * step, n * step, 25)
    cx, cy = np.meshgrid(coarse, coarse)
    table = np.zeros((lay.fq.shape[0], m))  # sinc² weights per distinct (u, v, σ, Δσ), V² and sides
    np.add.at(table, lay.j2, 2 * scale2**2 * w2 * (a2**2 * lay.comp2**2)[:, None])
    np.add.at(table, lay.jc.ravel(), (0.5 * beta[:, :, None] ** 2 * wc[:, None, :]).reshape(-1, m))
    used = np.flatnonzero(np.any(table != 0, axis=1))
    fq = lay.fq[used]
    env = _envelope(fq[:, 0], fq[:, 1], fq[:, 3], cx.ravel(), cy.ravel()) @ table[used]
    yy, xx = np.meshgrid(y, x, indexing="ij")
    rr = np.hypot(xx, yy)
    maps = []
    for k in range(m):
        interp = RegularGridInterpolator((coarse, coarse), env[:, k].reshape(cx.shape))
        g_g = interp(np.stack([yy.ravel(), xx.ravel()], axis=1)).reshape(yy.shape)
        g_g = g_g + dilution * float(np.sum(4 * w2[:, k] * a2**4))
        g_g = np.maximum(g_g, 1e-300)
        flux = g_r[k] / g_g
        gain = np.where((flux > 0) & (rr >= rmin) & (rr <= rmax), g_r[k] ** 2 / g_g, 0.0)
        maps.append(Chi2Map(x=x, y=y, gain=gain, flux=flux))
    return maps


def local_maxima(cmap: Chi2Map, n_max: int) -> np.ndarray:
    """(K, 3) starting points x, y, f at the K strongest local maxima of the gain map."""
    peak = (cmap.gain == maximum_filter(cmap.gain, size=3, mode="constant")) & (cmap.gain > 0)
    j, i = np.nonzero(peak)
    order = np.argsort(cmap.gain[j, i])[::-1][:n_max]
    j, i = j[order], i[order]
    return np.stack([cmap.x[i], cmap.y[j], np.clip(cmap.flux[j, i], 1e-4, 0.5)], axis=1)
