"""Limb-darkening coefficients from the spectral type: a small, documented table.

Why a table: the survey needs a homogeneous LD diameter for ~1000 stars, most of
which are not resolved past the first null, where the data cannot constrain the
coefficient. The linear-law coefficients below are rounded from Claret (2000,
A&A 363, 1081, ATLAS models, log g = 4.0, solar metallicity, microturbulence
2 km/s) at the temperature of each class (B 15000 K, A 9000 K, F 6700 K,
G 5600 K, K 4500 K, M 3500 K); giants differ by less than their rounding at
this precision. They are good to about ±0.05, i.e. ≈ 1 % on the LD/UD ratio in
the visible: for better work fit the coefficient (needs data past the first
null). The power-law exponent α (Hestroffer 1997, I(μ) = μ^α) is derived from
the linear coefficient by matching the two visibility curves on the first lobe
(`alpha_from_linear`), so both laws give the same diameter to first order.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from scipy.optimize import minimize_scalar

# linear-law coefficient u per band and spectral class (see module docstring)
LINEAR_U: dict[str, dict[str, float]] = {
    "R": {"O": 0.25, "B": 0.30, "A": 0.45, "F": 0.52, "G": 0.60, "K": 0.68, "M": 0.72},
    "J": {"O": 0.18, "B": 0.23, "A": 0.33, "F": 0.37, "G": 0.42, "K": 0.48, "M": 0.52},
    "H": {"O": 0.15, "B": 0.20, "A": 0.25, "F": 0.27, "G": 0.30, "K": 0.35, "M": 0.38},
    "K": {"O": 0.13, "B": 0.17, "A": 0.20, "F": 0.22, "G": 0.25, "K": 0.29, "M": 0.32},
}
DEFAULT_CLASS = "G"  # when the spectral type is empty or unreadable: a middle value, flagged by the caller


def band_of(wavelength_m: float) -> str:
    """Photometric band of a mean wavelength (SPICA → R, MIRC-X → H or J, MYSTIC → K)."""
    um = wavelength_m * 1e6
    if um < 1.0:
        return "R"
    if um < 1.45:
        return "J"
    if um < 1.9:
        return "H"
    return "K"


def spectral_class(spectral_type: str) -> str | None:
    """First OBAFGKM letter of a spectral type ("K1.5III" → "K"), None when there is none."""
    match = re.search(r"[OBAFGKM]", (spectral_type or "").upper())
    return match.group(0) if match else None


def linear_coefficient(spectral_type: str, wavelength_m: float) -> tuple[float, str]:
    """(u, source) where source says whether the spectral type was used or the default."""
    cls = spectral_class(spectral_type)
    band = band_of(wavelength_m)
    if cls is None:
        return LINEAR_U[band][DEFAULT_CLASS], f"default ({DEFAULT_CLASS}, {band} band): no spectral type"
    return LINEAR_U[band][cls], f"table ({cls}, {band} band)"


@lru_cache(maxsize=256)
def alpha_from_linear(u: float) -> float:
    """Power-law exponent whose first-lobe visibility best matches the linear law with coefficient u."""
    from pipelines.analysis.fitting import vis_linear, vis_power_law

    x = np.linspace(0.05, 4.0, 200)
    target = vis_linear(x, u)
    res = minimize_scalar(lambda a: float(np.sum((vis_power_law(x, a) - target) ** 2)), bounds=(0.0, 4.0),
                          method="bounded", options={"xatol": 1e-6})
    return round(float(res.x), 5)


def coefficient_for(law: str, spectral_type: str, wavelength_m: float) -> tuple[float, str]:
    """Coefficient of `law` ("linear" or "power") from the spectral type, with its source."""
    u, source = linear_coefficient(spectral_type, wavelength_m)
    if law == "linear":
        return u, source
    if law == "power":
        return alpha_from_linear(u), source + f", α from linear u={u}"
    raise ValueError(f"unknown limb-darkening law {law!r}")
