"""One story of the survey: target status, the headline percentage and night outcomes (portal.story)."""
import datetime as dt

import pytest

from portal.story import goals_done_fraction, night_outcome, target_status
from surveys.progress import DONE, IN_PROGRESS, NO_GOAL, NOT_STARTED

TODAY = dt.date(2026, 12, 1)


def test_target_with_data_is_never_not_started():
    assert target_status([0.0], has_data=False) == NOT_STARTED
    assert target_status([0.0], has_data=True) == IN_PROGRESS
    assert target_status([0.5, 1.0]) == IN_PROGRESS
    assert target_status([1.0, 1.0], has_data=True) == DONE
    assert target_status([], has_data=True) == NO_GOAL


def test_headline_is_goals_done_over_goals():
    assert goals_done_fraction(21, 48) == pytest.approx(0.4375)
    assert goals_done_fraction(0, 0) == 0.0


def outcome(status, days, hours=0.0, n_obs=0, program=True, raw=0):
    return night_outcome(status=status, date=TODAY + dt.timedelta(days=days), today=TODAY, hours_lost=hours,
                         n_observations=n_obs, has_program=program, n_data_files=raw)


def test_scheduled_nights_lose_no_hours_until_recorded():
    future = outcome("scheduled", 3, hours=8.0)
    assert (future.label, future.hours_lost) == ("scheduled", None)
    assert outcome("scheduled", 0).label == "tonight"
    past = outcome("scheduled", -3, hours=8.0)
    assert (past.label, past.hours_lost) == ("not recorded", None)
    assert outcome("scheduled", -3, n_obs=2).label == "observed (outcome not recorded)"


def test_recorded_outcomes_keep_their_hours():
    assert outcome("lost_weather", -1, hours=8.0) == outcome("lost_weather", -1, hours=8.0)
    lost = outcome("lost_weather", -1, hours=8.0)
    assert (lost.label, lost.tone, lost.hours_lost) == ("lost (weather)", "bad", 8.0)
    partial = outcome("partial", -1, hours=2.5)
    assert (partial.label, partial.hours_lost) == ("partly lost (2.5 h)", 2.5)
    assert outcome("observed", -1, hours=0.0).hours_lost == 0.0


def test_night_with_data_but_no_program_says_so():
    assert outcome("observed", -1, program=False, raw=24).note == "data but no program allocated"
    assert outcome("observed", -1, program=True, raw=24).note == ""
    assert outcome("observed", -1, program=False).note == ""
