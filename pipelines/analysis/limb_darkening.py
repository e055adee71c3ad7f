"""Limb-darkening coefficients per spectral channel, from Claret & Bloemen (2011), and bands named from λ.

Pure module (no Django). Why per channel: across SPICA's 0.60-0.90 µm the linear coefficient of a
K giant falls from about 0.75 to 0.55; one R-band value for every channel biases the LD diameter
(by the amount `tests/analysis/test_limb_darkening.py` measures against the Hanbury Brown et al.
1974 closed form).

- Table: `data/claret_bloemen_2011_linear.csv`, linear law I(μ) = 1 − u(1 − μ), ATLAS models,
  [M/H] = 0, ξ = 2 km/s, least-squares fit (Claret & Bloemen 2011, A&A 529, A75; VizieR
  J/A+A/529/A75), bands V R I J H K, interpolated bilinearly in (Teff, log g).
- Per channel: visible channels (λ < 1 µm, SPICA) interpolate u linearly in λ between the
  effective wavelengths of V, R, I and J (Bessell, Castelli & Plez 1998: 0.545, 0.641, 0.798,
  1.22 µm); infrared channels take their band's value (MIRC-X J/H, MYSTIC K; longer bands, which
  the table lacks, take K and say so).
- Teff and log g come from the spectral type (`spectral_type.py`); no readable type: G5 III, said so.
- The power-law exponent α (Hestroffer 1997, I(μ) = μ^α) is matched to the linear law on the
  first visibility lobe (`alpha_from_linear`), so both laws give the same diameter to first order.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar

from pipelines.analysis.spectral_type import SpectralType, parse

TABLE = Path(__file__).resolve().parent / "data" / "claret_bloemen_2011_linear.csv"
TABLE_BANDS = ("V", "R", "I", "J", "H", "K")
EFFECTIVE_UM = {"V": 0.545, "R": 0.641, "I": 0.798, "J": 1.22, "H": 1.63, "K": 2.19}
# Band limits (µm) used to name a wavelength: Johnson-Cousins in the visible, then the near/mid-IR windows.
BANDS: tuple[tuple[str, float, float], ...] = (
    ("U", 0.0, 0.40), ("B", 0.40, 0.50), ("V", 0.50, 0.59), ("R", 0.59, 0.76), ("I", 0.76, 1.00),
    ("J", 1.00, 1.40), ("H", 1.40, 1.90), ("K", 1.90, 2.60), ("L", 2.60, 4.20), ("M", 4.20, 6.00),
    ("N", 6.00, 15.0), ("Q", 15.0, 1e9),
)
DEFAULT_TYPE = "G5III"


def band_of(wavelength_m: float) -> str:
    """Photometric band of a wavelength (SPICA mean 0.75 µm → R, MIRC-X → J/H, MYSTIC → K, 3.35 µm → L)."""
    um = float(wavelength_m) * 1e6
    return next(name for name, lo, hi in BANDS if lo <= um < hi)


def bands_of(wavelengths_m) -> list[str]:
    """The bands a set of channels covers, blue to red (a SPICA file: ['R', 'I'])."""
    order = [b[0] for b in BANDS]
    return sorted({band_of(w) for w in np.ravel(wavelengths_m)}, key=order.index)


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[float, tuple[np.ndarray, np.ndarray]]]:
    """band -> Teff -> (log g values, u values), from the shipped subset."""
    lines = [line for line in TABLE.read_text().splitlines() if line and not line.startswith("#")]
    header = lines[0].split(",")
    values = np.array([[float(x) for x in line.split(",")] for line in lines[1:]])
    col = {name: values[:, i] for i, name in enumerate(header)}
    out: dict[str, dict[float, tuple[np.ndarray, np.ndarray]]] = {}
    for band in TABLE_BANDS:
        per_teff: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        for teff in np.unique(col["teff"]):
            rows = col["teff"] == teff
            order = np.argsort(col["logg"][rows])
            per_teff[float(teff)] = (col["logg"][rows][order], col[band][rows][order])
        out[band] = per_teff
    return out


def table_u(band: str, teff: float, logg: float) -> float:
    """Linear coefficient of a band at (Teff, log g): bilinear, clamped to the table's range."""
    per_teff = _table()[band]
    grid = np.array(sorted(per_teff))
    t = float(np.clip(teff, grid[0], grid[-1]))
    k = int(np.clip(np.searchsorted(grid, t), 1, grid.size - 1))
    t0, t1 = grid[k - 1], grid[k]
    u0 = float(np.interp(logg, *per_teff[t0]))
    u1 = float(np.interp(logg, *per_teff[t1]))
    return u0 + (u1 - u0) * (t - t0) / (t1 - t0)


def _resolve(spectral_type: str | None) -> tuple[SpectralType, str]:
    parsed = parse(spectral_type)
    if parsed is None:
        return parse(DEFAULT_TYPE), f"default {DEFAULT_TYPE}: spectral type {spectral_type!r} not readable"
    notes = "; ".join(parsed.notes)
    return parsed, f"{parsed.label()} (Teff {parsed.teff:.0f} K, log g {parsed.logg:.1f})" + (
        f" [{notes}]" if notes else "")


def linear_coefficients(spectral_type: str | None, wavelengths_m) -> tuple[np.ndarray, str]:
    """(u per channel, source): Claret & Bloemen 2011 at the type's Teff/log g, per channel as described above."""
    star, source = _resolve(spectral_type)
    lam_all = np.atleast_1d(np.asarray(wavelengths_m, dtype=float)) * 1e6
    lam, inverse = np.unique(lam_all, return_inverse=True)  # a few dozen channels, many points each
    knots = {b: table_u(b, star.teff, star.logg) for b in TABLE_BANDS}
    visible = np.interp(lam, [EFFECTIVE_UM[b] for b in ("V", "R", "I", "J")], [knots[b] for b in "VRIJ"])
    per_band = np.array([knots.get(band_of(x * 1e-6), knots["K"]) for x in lam])
    u = np.where(lam < 1.0, visible, per_band)
    longer = sorted({band_of(x * 1e-6) for x in lam if x >= 2.6})
    note = f"; {'/'.join(longer)} band: K-band value (no table)" if longer else ""
    bands = "+".join(bands_of(lam * 1e-6))
    return u[inverse].reshape(lam_all.shape), f"Claret & Bloemen 2011, {source}, bands {bands}{note}"


def linear_coefficient(spectral_type: str | None, wavelength_m: float) -> tuple[float, str]:
    """(u, source) at one wavelength."""
    u, source = linear_coefficients(spectral_type, [wavelength_m])
    return float(u[0]), source


@lru_cache(maxsize=4096)
def alpha_from_linear(u: float) -> float:
    """Power-law exponent whose first-lobe visibility best matches the linear law with coefficient u."""
    from pipelines.analysis.fitting import vis_linear, vis_power_law

    x = np.linspace(0.05, 4.0, 200)
    target = vis_linear(x, u)
    res = minimize_scalar(lambda a: float(np.sum((vis_power_law(x, a) - target) ** 2)), bounds=(0.0, 4.0),
                          method="bounded", options={"xatol": 1e-6})
    return round(float(res.x), 5)


def coefficients_for(law: str, spectral_type: str | None, wavelengths_m) -> tuple[np.ndarray, str]:
    """Coefficient of `law` ("linear" or "power") per channel, with its source."""
    u, source = linear_coefficients(spectral_type, wavelengths_m)
    if law == "linear":
        return u, source
    if law == "power":
        values, inverse = np.unique(np.round(u, 4), return_inverse=True)
        alphas = np.array([alpha_from_linear(float(x)) for x in values])
        return alphas[inverse].reshape(u.shape), source + "; α matched to linear u"
    raise ValueError(f"unknown limb-darkening law {law!r}")


def coefficient_for(law: str, spectral_type: str | None, wavelength_m: float) -> tuple[float, str]:
    """Coefficient of `law` at one wavelength (the mean of a file, for a single-coefficient fit)."""
    values, source = coefficients_for(law, spectral_type, [wavelength_m])
    return float(values[0]), source
