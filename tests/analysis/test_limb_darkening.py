"""Limb darkening per spectral channel (Claret & Bloemen 2011), the spectral-type parser, bands from λ.

The LD-diameter test simulates V² by a numerical Hankel transform of the linear-law intensity profile
(scipy quad, independent of `fitting.vis_linear`) and checks the bias of a single coefficient against
the closed form of Hanbury Brown et al. (1974): θ_LD/θ_UD = √((1 − u/3)/(1 − 7u/15)).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import j0

from pipelines.analysis import fitting as F
from pipelines.analysis.limb_darkening import (
    alpha_from_linear,
    band_of,
    bands_of,
    coefficient_for,
    coefficients_for,
    linear_coefficient,
    linear_coefficients,
    table_u,
)
from pipelines.analysis.spectral_type import parse

SPICA = np.linspace(0.60e-6, 0.90e-6, 30)


@pytest.mark.parametrize("text, cls, sub, group, peculiar", [
    ("kA4hA5mA5Va", "A", 5.0, "V", ("Am",)),  # Am star: the hydrogen type, not the K-line type, not "K"
    ("gK0", "K", 0.0, "III", ()),  # Mount Wilson g = giant, not "G"
    ("sgB[e]", "B", None, "I", ("[e]",)),  # supergiant B[e]: no subclass
    ("M2III", "M", 2.0, "III", ()),
    ("K1.5IIIb", "K", 1.5, "III", ()),
    ("G8III-IV", "G", 8.0, "III", ()),
    ("B2Ve", "B", 2.0, "V", ("e",)),
    ("F5V+K0V", "F", 5.0, "V", ()),
])
def test_spectral_type_parser(text, cls, sub, group, peculiar):
    st = parse(text)
    assert (st.cls, st.subclass, st.luminosity_group, st.peculiar) == (cls, sub, group, peculiar)


@pytest.mark.parametrize("text", ["UNKNOWN", "", None, "C", "DA2", "unknown"])
def test_unknown_types_are_none_and_the_default_says_so(text):
    assert parse(text) is None
    u, source = linear_coefficient(text, 0.7e-6)
    assert "default G5III" in source and u == linear_coefficient("G5III", 0.7e-6)[0]


def test_teff_and_logg_follow_type_and_luminosity():
    assert parse("K1.5IIIb").teff == pytest.approx(4475) and parse("K1.5IIIb").logg == 2.2
    assert parse("gK0").teff < parse("K0V").teff and parse("gK0").logg < parse("K0V").logg
    assert parse("M2III").teff == pytest.approx(3650)
    assert parse("sgB[e]").notes == ("prefix 'sg' read as luminosity class I", "no subclass: B5 assumed")


def test_table_is_claret_bloemen_2011():
    # values read from VizieR J/A+A/529/A75 (linear law, ATLAS, [M/H]=0, xi=2 km/s, method L)
    assert table_u("R", 4500, 2.0) == pytest.approx(0.7101)
    assert table_u("R", 5750, 4.5) == pytest.approx(0.5782)
    assert table_u("R", 3500, 2.0) == pytest.approx(0.7988)
    # sensitivity quoted in spectral_type.py: 250 K moves u(R) by up to 0.03, 0.5 dex by up to 0.01
    assert 0.02 < table_u("R", 4250, 2.0) - table_u("R", 4500, 2.0) < 0.035
    assert abs(table_u("R", 4500, 2.5) - table_u("R", 4500, 2.0)) < 0.01
    assert abs(table_u("R", 5750, 4.0) - table_u("R", 5750, 4.5)) < 0.01


def test_bands_named_from_wavelengths():
    assert band_of(3.35e-6) == "L"  # MATISSE LM, not "K"
    assert band_of(0.75e-6) == "R" and band_of(1.25e-6) == "J" and band_of(1.65e-6) == "H"
    assert band_of(2.2e-6) == "K" and band_of(10.5e-6) == "N"
    assert bands_of(SPICA) == ["R", "I"]


def test_coefficients_per_channel_across_spica_and_per_band_in_the_infrared():
    u, source = linear_coefficients("K1.5IIIb", SPICA)
    assert u.shape == SPICA.shape and np.all(np.diff(u) < 0)  # limb darkening weakens to the red
    assert 0.74 < u[0] < 0.76 and 0.56 < u[-1] < 0.59 and "bands R+I" in source
    h, _ = linear_coefficients("K1.5IIIb", np.linspace(1.5e-6, 1.75e-6, 8))  # MIRC-X H: one band, one value
    k, _ = linear_coefficients("K1.5IIIb", np.linspace(2.0e-6, 2.35e-6, 8))  # MYSTIC K
    assert np.ptp(h) == 0 and np.ptp(k) == 0 and k[0] < h[0] < u[-1]
    lm, note = linear_coefficients("K0III", [3.35e-6])
    assert "L band: K-band value (no table)" in note
    alpha, _ = coefficients_for("power", "K1.5IIIb", SPICA)
    assert alpha[0] == alpha_from_linear(round(float(u[0]), 4)) and np.all(np.diff(alpha) < 0)
    assert coefficient_for("linear", "K1.5IIIb", SPICA[0])[0] == pytest.approx(u[0])


def _v2_linear_ld(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """V² of a linearly limb-darkened disk by direct Hankel transform of I(r) = 1 − u(1 − √(1 − r²))."""
    out = []
    for xi, ui in zip(x, u, strict=True):
        def profile(r, ui=ui):
            return 1.0 - ui * (1.0 - np.sqrt(1.0 - r * r))
        num = quad(lambda r, xi=xi, p=profile: p(r) * j0(xi * r) * r, 0.0, 1.0, limit=200)[0]
        out.append((num / quad(lambda r, p=profile: p(r) * r, 0.0, 1.0)[0]) ** 2)
    return np.array(out)


def _hb74(u):
    return np.sqrt((1.0 - u / 3.0) / (1.0 - 7.0 * u / 15.0))


def test_ld_diameter_per_channel_is_unbiased_and_one_coefficient_bias_matches_hanbury_brown():
    theta = 1.0  # mas, a K giant resolved on the first lobe by CHARA's baselines
    baselines = np.array([34.0, 66.0, 108.0, 156.0, 221.0, 251.0, 279.0, 313.0, 331.0])
    u_chan, _ = linear_coefficients("K1.5IIIb", SPICA)
    sf = (baselines[:, None] / SPICA[None, :]).ravel()
    u = np.tile(u_chan, baselines.size)
    keep = np.pi * theta * F.MAS * sf < 3.5  # first lobe
    sf, u = sf[keep], u[keep]
    v2 = _v2_linear_ld(np.pi * theta * F.MAS * sf, u)
    err = np.full_like(v2, 0.01)

    per_channel = F.fit_disk(sf, v2, err, model="ld", law="linear", coeff=u)
    assert per_channel.theta == pytest.approx(theta, rel=1e-4)
    assert per_channel.coeff_range == [pytest.approx(u.min()), pytest.approx(u.max())]

    for u_single in (0.68, float(linear_coefficient("K1.5IIIb", SPICA.mean())[0])):  # old R table, mean-λ value
        biased = F.fit_disk(sf, v2, err, model="ld", law="linear", coeff=u_single)
        predicted = float(np.mean(_hb74(u_single) / _hb74(u_chan))) - 1.0
        assert biased.theta / theta - 1.0 == pytest.approx(predicted, abs=1.5e-3)
    old = F.fit_disk(sf, v2, err, model="ld", law="linear", coeff=0.68)
    assert 0.003 < old.theta / theta - 1.0 < 0.01  # what one R-band coefficient did: +0.3 to +1 %
