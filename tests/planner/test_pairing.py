"""Calibrator choice: flagged never chosen, distance limit, reasons, uncalibratable."""
from __future__ import annotations

import numpy as np
import pytest

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


def test_small_diameter_preferred_and_resolved_ones_excluded():
    cat = catalog([101.0, 101.0, 101.0], [30.0, 30.0, 30.0], [False] * 3, diameter=[0.3, 0.15, 0.9])
    chosen = choose(cat, per_target=3)[0]
    assert [c.index for c in chosen] == [1, 0]  # 0.9 mas is past the first null at 331 m in R
    assert pairing.ud_visibility(np.array([0.0]), 331, 0.7)[0] == 1.0


def test_distance_is_great_circle():
    assert pairing.angular_distance_deg(0, 89, 180, 89) == pytest.approx(2.0)
