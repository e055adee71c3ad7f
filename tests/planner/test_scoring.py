"""The score's four components, its weights and the brightness exclusions."""
from __future__ import annotations

import numpy as np
import pytest

from planner import scoring


def _score(**kw):
    base = dict(done=np.array([0.0]), required=np.array([2.0]), program_priority=1,
                target_priority=np.array([np.nan]), days_since_last=np.array([np.nan]),
                mag_sci=np.array([4.0]), mag_ft=np.array([3.0]), instrument="SPICA", mode="MR720")
    base.update(kw)
    return scoring.score(**base)


def test_components_are_shown_and_weighted():
    s = _score(done=np.array([1.0]), target_priority=np.array([2.0]), days_since_last=np.array([30.0]),
               mag_sci=np.array([5.5]), mag_ft=np.array([3.0]))
    c = {k: float(v[0]) for k, v in s.components.items()}
    assert c == pytest.approx({"need": 0.5, "priority": 0.75, "recency": 0.5, "brightness": 0.5})
    assert s.total[0] == pytest.approx(100 * (0.35 * 0.5 + 0.25 * 0.75 + 0.2 * 0.5 + 0.2 * 0.5))


def test_more_needed_and_older_targets_rank_higher():
    s = _score(done=np.array([0.0, 1.0, 0.0]), required=np.array([2.0, 2.0, 2.0]),
               target_priority=np.array([1.0, 1.0, 1.0]), days_since_last=np.array([np.nan, 90.0, 2.0]),
               mag_sci=np.array([4.0, 4.0, 4.0]), mag_ft=np.array([3.0, 3.0, 3.0]))
    assert s.total[0] > s.total[2] and s.total[0] > s.total[1]


def test_too_faint_targets_are_excluded_with_the_reason():
    s = _score(mag_sci=np.array([7.4, 4.0]), mag_ft=np.array([3.0, 6.9]), done=np.zeros(2), required=np.ones(2) * 2,
               target_priority=np.array([np.nan, np.nan]), days_since_last=np.array([np.nan, np.nan]))
    assert not s.eligible.any()
    assert "R=7.40 > 7.0" in s.reasons[0]
    assert "fringe tracker" in s.reasons[1]
    assert np.isnan(s.total).all()


def test_every_mode_has_limits_in_the_one_table():
    for (instrument, _mode), (band, limit, ft_band, ft_limit) in scoring.LIMITING_MAGNITUDES.items():
        assert instrument in scoring.ASPRO2_INSTRUMENT and band in "VRIJHK" and ft_band == "H"
        assert 2 < limit < 10 and 2 < ft_limit < 10
    with pytest.raises(ValueError):
        scoring.mode_limits("SPICA", "Low_K")
