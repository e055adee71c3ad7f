"""Calibrator choice: flagged never chosen, distance limit, reasons, uncalibratable."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import j1

from planner import pairing


def catalog(ra, dec, flagged, diameter=None, mag=None):
    n = len(ra)
    return pairing.Catalog(np.array(ra, float), np.array(dec, float),
                           np.array(mag if mag is not None else [5.0] * n, float), np.array([4.0] * n),
                           np.array(diameter if diameter is not None else [0.2] * n, float), np.array([0.01] * n),
                           np.array(flagged, bool))


def choose(cat, max_distance=10.0, **kw):
    args = dict(ra_deg=np.array([100.0]), dec_deg=np.array([30.0]), mag_sci=np.array([5.0]), mag_ft=np.array([4.0]),
                catalog=cat, band="R", ft_band="H", max_distance_deg=max_distance)
    args.update(kw)
    return pairing.choose(**args)


def test_flagged_calibrator_is_never_chosen_even_when_it_is_the_best():
    cat = catalog([100.1, 103.0, 105.0], [30.0, 31.0, 30.0], [True, False, False])
    chosen = choose(cat)[0]
    assert [c.index for c in chosen] == [1, 2]
    assert all(not cat.flagged[c.index] for c in chosen)


def test_uncalibratable_when_nothing_usable_within_the_distance():
    cat = catalog([100.1, 130.0], [30.0, 30.0], [True, False])
    assert choose(cat) == [[]]
    assert "10°" in pairing.uncalibratable_reason(max_distance_deg=10)


def test_reason_states_distance_magnitudes_and_diameter():
    cat = catalog([102.0], [30.0], [False], mag=[5.5])
    (choice,) = choose(cat)[0]
    assert choice.distance_deg == pytest.approx(2.0 * np.cos(np.radians(30)), abs=0.01)
    assert "ΔR=+0.50" in choice.reason and "ΔH=+0.00" in choice.reason
    assert "UD 0.200±0.010 mas" in choice.reason and "331 m" in choice.reason


def test_past_the_first_null_is_excluded():
    cat = catalog([101.0, 101.0, 101.0], [30.0, 30.0, 30.0], [False] * 3, diameter=[0.12, 0.05, 0.9])
    chosen = choose(cat, per_target=3)[0]
    assert sorted(c.index for c in chosen) == [0, 1]  # 0.9 mas is past the first null at 331 m in R


def independent_v2(theta_mas: float, baseline_m: float, wavelength_m: float) -> float:
    """Uniform disk written out here: V = 2 J1(x)/x, x = π θ B / λ."""
    x = np.pi * theta_mas * np.pi / (180 * 3600 * 1000) * baseline_m / wavelength_m
    return float((2 * j1(x) / x) ** 2)


def test_a_resolved_calibrator_is_never_chosen_even_when_closest_and_best_matched():
    # 0.30 mas at S1-E1 (330.6 m) in R (0.70 µm): V² = 0.27, well below the 0.5 limit; 0.10 mas: V² = 0.88.
    assert independent_v2(0.30, 330.62, 0.70e-6) == pytest.approx(0.270, abs=0.002)
    assert independent_v2(0.10, 330.62, 0.70e-6) == pytest.approx(0.877, abs=0.002)
    cat = catalog([100.1, 106.0], [30.0, 30.0], [False, False], diameter=[0.30, 0.10], mag=[5.0, 6.5])
    chosen = choose(cat, per_target=2, min_v2=0.5)[0]
    assert [c.index for c in chosen] == [1]
    assert chosen[0].v2_longest == pytest.approx(independent_v2(0.10, 330.62, 0.70e-6), abs=1e-3)
    # The same star is usable when the limit allows it: the rule, not the distance, excluded it.
    assert [c.index for c in choose(cat, per_target=2, min_v2=0.2)[0]] == [0, 1]
    alone = catalog([100.1], [30.0], [False], diameter=[0.30])
    assert choose(alone, min_v2=0.5) == [[]]
    reason = pairing.uncalibratable_reason(max_distance_deg=10, ra_deg=100.0, dec_deg=30.0, catalog=alone,
                                           band="R", min_v2=0.5)
    assert reason == "no calibrator available within 10°: 1 resolved (V² < 0.50 at 331 m in R)"


def test_the_longest_baseline_is_s1_e1_and_the_rule_says_why():
    assert pairing.LONGEST_BASELINE_NAME == "S1-E1"
    assert abs(pairing.LONGEST_BASELINE_M - 330.6) < 0.1
    # |dln V²/dln θ| at V² = 0.5 from the independent formula (finite difference).
    theta = brentq(lambda t: independent_v2(t, 330.62, 0.70e-6) - 0.5, 0.01, 0.4)  # mas
    v = independent_v2(theta, 330.62, 0.70e-6)
    gain = np.log(independent_v2(theta * 1.001, 330.62, 0.70e-6) / independent_v2(theta * 0.999, 330.62, 0.70e-6))
    gain = abs(gain) / 0.002
    assert v == pytest.approx(0.5, abs=0.01)
    assert pairing.diameter_error_gain(0.5, 330.62, 0.70) == pytest.approx(gain, rel=0.03)
    rule = pairing.resolution_rule(min_v2=0.5, band="R")
    assert "V² < 0.50" in rule and "S1-E1, 331 m" in rule and f"{10 * gain:.0f} %" in rule


def test_distance_is_great_circle():
    assert pairing.angular_distance_deg(0, 89, 180, 89) == pytest.approx(2.0)
