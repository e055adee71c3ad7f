"""An empirical noise model of the V² signal-to-noise ratio, fitted to survey data.

No Django import: arrays in, fitted parameters out.

Model (per instrument mode, per spectral channel, one baseline):

    N       = t_exp · 10^(-0.4 (m - zp))              photons per frame in the channel
    V²_eff  = V²_obj · exp(-t_exp / (beta · tau0))     coherence loss: short tau0 blurs fringes
    SNR_1   = N · V²_eff / sqrt(N + sigma_read²)       one frame: photon noise + read noise
    SNR     = SNR_1 · sqrt(n_frames)

with three parameters: `zp` (the magnitude giving one photon per second per channel,
throughput included), `sigma_read` (read noise in photo-electrons per channel and
frame) and `beta` (how many tau0 an exposure can last before losing 1/e of V²). It
is the simplest law that has the three regimes an observer sees: photon-limited
(SNR ∝ 10^(-0.2 m)), detector-limited (SNR ∝ 10^(-0.4 m)), and the visibility loss
on fast turbulence. The fit is done on log SNR (errors multiplicative), with scipy's
least squares; parameter errors come from the Jacobian scaled by the reduced χ².
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import brentq, least_squares

PARAMS = ("zp", "sigma_read", "beta")


@dataclass(frozen=True)
class NoiseLaw:
    zp: float
    sigma_read: float
    beta: float

    def snr(self, mag, t_exp, tau0, n_frames, v2_obj=1.0):
        return predict_snr(np.array([self.zp, self.sigma_read, self.beta]), mag, t_exp, tau0, n_frames, v2_obj)

    def limiting_magnitude(self, *, t_exp: float, tau0: float, n_frames: float, snr_min: float = 3.0,
                           v2_obj: float = 1.0) -> float:
        """Faintest magnitude still giving `snr_min` on V² (for Aspro2 and the planner)."""
        def f(m):
            return float(self.snr(m, t_exp, tau0, n_frames, v2_obj)) - snr_min
        lo, hi = -5.0, 25.0
        if f(lo) < 0:
            return float("nan")
        if f(hi) > 0:
            return hi
        return float(brentq(f, lo, hi, xtol=1e-4))


@dataclass(frozen=True)
class NoiseFit:
    """A fitted law; an error of NaN means the data do not constrain that parameter (it sits at a bound)."""

    law: NoiseLaw
    errors: NoiseLaw
    chi2_reduced: float
    n_points: int
    scatter_dex: float

    def as_dict(self) -> dict:
        return {"law": asdict(self.law), "errors": asdict(self.errors), "chi2_reduced": self.chi2_reduced,
                "n_points": self.n_points, "scatter_dex": self.scatter_dex}


def predict_snr(params, mag, t_exp, tau0, n_frames, v2_obj=1.0):
    zp, sigma_read, beta = params
    mag, t_exp, tau0, n_frames, v2_obj = np.broadcast_arrays(*map(np.asarray, (mag, t_exp, tau0, n_frames, v2_obj)))
    photons = t_exp * 10.0 ** (-0.4 * (mag - zp))
    v2_eff = v2_obj * np.exp(-t_exp / (beta * tau0))
    return photons * v2_eff / np.sqrt(photons + sigma_read**2) * np.sqrt(n_frames)


def fit_noise_law(*, snr, mag, t_exp, tau0, n_frames, v2_obj=1.0, guess: NoiseLaw | None = None) -> NoiseFit:
    """Least-squares fit of the law to measured SNRs (all arrays broadcast together)."""
    snr = np.asarray(snr, dtype=float)
    arrays = np.broadcast_arrays(snr, *map(np.asarray, (mag, t_exp, tau0, n_frames, v2_obj)))
    good = np.all([np.isfinite(a) for a in arrays], axis=0) & (arrays[0] > 0) & (arrays[3] > 0)
    snr, mag, t_exp, tau0, n_frames, v2_obj = (a[good].astype(float) for a in arrays)
    if snr.size < 4:
        raise ValueError(f"need at least 4 valid measurements to fit 3 parameters, got {snr.size}")
    log_snr = np.log10(snr)
    if guess is None:
        # zp from the brightest decile assuming photon-limited, no loss.
        bright = mag <= np.quantile(mag, 0.1)
        zp0 = float(np.median(mag[bright] + 2.5 * np.log10(snr[bright] ** 2 / (t_exp[bright] * n_frames[bright]))))
        guess = NoiseLaw(zp=zp0, sigma_read=3.0, beta=10.0)

    def residuals(p):
        model = predict_snr((p[0], np.exp(p[1]), np.exp(p[2])), mag, t_exp, tau0, n_frames, v2_obj)
        return np.log10(np.maximum(model, 1e-30)) - log_snr

    lower, upper = np.array([-5.0, np.log(0.01), np.log(0.05)]), np.array([30.0, np.log(1e3), np.log(1e4)])
    x0 = np.clip([guess.zp, np.log(max(guess.sigma_read, 1e-3)), np.log(max(guess.beta, 1e-3))],
                 lower + 1e-6, upper - 1e-6)
    result = least_squares(residuals, x0, method="trf", x_scale="jac", bounds=(lower, upper))
    dof = max(snr.size - 3, 1)
    chi2 = float(np.sum(result.fun**2) / dof)
    jac = result.jac
    try:
        cov = np.linalg.inv(jac.T @ jac) * chi2
    except np.linalg.LinAlgError:
        cov = np.full((3, 3), np.nan)
    zp, log_sr, log_beta = result.x
    sig = np.sqrt(np.clip(np.diag(cov), 0, None))
    # A parameter pinned at a bound is not constrained by the data: no error bar to quote.
    sig = np.where(np.isclose(result.x, lower, atol=1e-3) | np.isclose(result.x, upper, atol=1e-3), np.nan, sig)
    law = NoiseLaw(zp=float(zp), sigma_read=float(np.exp(log_sr)), beta=float(np.exp(log_beta)))
    # errors of the exponentiated parameters by propagation (d e^x = e^x dx)
    errors = NoiseLaw(zp=float(sig[0]), sigma_read=float(law.sigma_read * sig[1]), beta=float(law.beta * sig[2]))
    return NoiseFit(law=law, errors=errors, chi2_reduced=chi2, n_points=int(snr.size),
                    scatter_dex=float(np.sqrt(chi2)))


def bin_measurements(mag, snr, *, width: float = 0.5) -> list[dict]:
    """Median SNR in magnitude bins (what the Aspro2 team reads off as a table)."""
    mag = np.asarray(mag, float)
    snr = np.asarray(snr, float)
    if mag.size == 0:
        return []
    edges = np.arange(np.floor(mag.min() / width) * width, mag.max() + width, width)
    rows = []
    index = np.digitize(mag, edges) - 1
    for i in range(len(edges) - 1):
        sel = index == i
        if not np.any(sel):
            continue
        rows.append({"mag_min": float(edges[i]), "mag_max": float(edges[i + 1]), "n": int(sel.sum()),
                     "snr_median": float(np.median(snr[sel])),
                     "snr_p16": float(np.percentile(snr[sel], 16)), "snr_p84": float(np.percentile(snr[sel], 84)),
                     "members": np.flatnonzero(sel).tolist()})
    return rows
