"""The access policy as a table of cases (surveys/embargo.py)."""
import datetime as dt

import pytest
from astropy.time import Time

from surveys.embargo import ANONYMOUS, Grant, Viewer, add_months, can_read_proprietary, embargo_ends

T_MAX = Time("2024-03-10T12:00:00", scale="utc").mjd  # end of observation
BEFORE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # inside the 18-month embargo
AFTER = dt.datetime(2025, 9, 11, tzinfo=dt.UTC)  # after 2025-09-10 12:00
PROGRAM, OTHER, TARGET, OTHER_TARGET = 1, 2, 10, 11

MEMBER = Viewer(authenticated=True, program_ids=frozenset({PROGRAM}))
OTHER_MEMBER = Viewer(authenticated=True, program_ids=frozenset({OTHER}))
STAFF = Viewer(authenticated=True, staff=True)
DELEGATE_UNTIL_2024_12 = Viewer(
    authenticated=True, grants=(Grant(PROGRAM, None, dt.datetime(2024, 12, 1, tzinfo=dt.UTC)),)
)
DELEGATE_UNTIL_2025_06 = Viewer(
    authenticated=True, grants=(Grant(PROGRAM, None, dt.datetime(2025, 6, 1, tzinfo=dt.UTC)),)
)
TARGET_DELEGATE = Viewer(authenticated=True, grants=(Grant(PROGRAM, TARGET, None),))


@pytest.mark.parametrize(
    "viewer, target, now, allowed, reason",
    [
        (ANONYMOUS, TARGET, BEFORE, False, "log in"),
        (MEMBER, TARGET, BEFORE, True, "program member"),
        (OTHER_MEMBER, TARGET, BEFORE, False, "not a member"),
        (STAFF, TARGET, BEFORE, True, "staff"),
        (DELEGATE_UNTIL_2025_06, TARGET, BEFORE, True, "delegation until 2025-06-01"),
        (DELEGATE_UNTIL_2024_12, TARGET, BEFORE, False, "not a member"),  # delegation over
        (TARGET_DELEGATE, TARGET, BEFORE, True, "delegation"),
        (TARGET_DELEGATE, OTHER_TARGET, BEFORE, False, "not a member"),  # other target
        (ANONYMOUS, TARGET, AFTER, True, "embargo ended 2025-09-10"),
        (OTHER_MEMBER, TARGET, AFTER, True, "embargo ended"),
    ],
)
def test_access_table(viewer, target, now, allowed, reason):
    decision = can_read_proprietary(
        viewer=viewer, program_id=PROGRAM, target_id=target, t_max_mjd=T_MAX, embargo_months=18, now=now
    )
    assert decision.allowed is allowed
    assert reason in decision.reason


def test_embargo_ends_18_months_after_t_max():
    assert embargo_ends(t_max_mjd=T_MAX, embargo_months=18) == dt.datetime(2025, 9, 10, 12, 0, tzinfo=dt.UTC)


def test_longer_program_embargo_keeps_data_closed():
    decision = can_read_proprietary(viewer=ANONYMOUS, program_id=PROGRAM, target_id=TARGET, t_max_mjd=T_MAX,
                                    embargo_months=24, now=AFTER)
    assert not decision and "2026-03-10" in decision.reason


def test_unknown_t_max_stays_proprietary():
    decision = can_read_proprietary(viewer=ANONYMOUS, program_id=PROGRAM, target_id=TARGET, t_max_mjd=None,
                                    embargo_months=18, now=AFTER)
    assert not decision and "unknown" in decision.reason


def test_calibrator_data_is_public_at_once():
    assert can_read_proprietary(viewer=ANONYMOUS, program_id=PROGRAM, target_id=None, t_max_mjd=T_MAX,
                                embargo_months=18, now=BEFORE, public=True)


def test_add_months_clamps_the_day():
    assert add_months(dt.datetime(2023, 8, 31, tzinfo=dt.UTC), 6) == dt.datetime(2024, 2, 29, tzinfo=dt.UTC)
