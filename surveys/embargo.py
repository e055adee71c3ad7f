"""The access policy for proprietary data: one place, no Django import.

A product is proprietary until ``embargo_ends = t_max + embargo months``. Before
that, only staff, the program's members (any role) and users holding a live
delegation (program-wide or for the product's target) may read it. After it,
everyone may, including anonymous users. Calibrator-only data is public at once.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from astropy.time import Time


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    """Calendar months, clamping the day (31 Aug + 6 months = 28/29 Feb)."""
    month_index = when.month - 1 + months
    year = when.year + month_index // 12
    month = month_index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def mjd_to_datetime(mjd: float) -> dt.datetime:
    return Time(mjd, format="mjd", scale="utc").to_datetime(timezone=dt.UTC)


def embargo_ends(*, t_max_mjd: float | None, embargo_months: int) -> dt.datetime | None:
    """End of the proprietary period; None when the end of observation is unknown."""
    if t_max_mjd is None:
        return None
    return add_months(mjd_to_datetime(t_max_mjd), embargo_months)


@dataclass(frozen=True)
class Grant:
    """A delegation as the policy sees it: program-wide when target_id is None."""

    program_id: int
    target_id: int | None = None
    ends: dt.datetime | None = None


@dataclass(frozen=True)
class Viewer:
    """Who asks: authentication, staff status, programs they belong to, delegations."""

    authenticated: bool = False
    staff: bool = False
    program_ids: frozenset[int] = field(default_factory=frozenset)
    grants: tuple[Grant, ...] = ()


ANONYMOUS = Viewer()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def can_read_proprietary(
    *,
    viewer: Viewer,
    program_id: int,
    target_id: int | None,
    t_max_mjd: float | None,
    embargo_months: int,
    now: dt.datetime,
    public: bool = False,
) -> Decision:
    """May `viewer` read data of (program, target) observed up to t_max? With the reason."""
    if public:
        return Decision(True, "public data (calibrator)")
    ends = embargo_ends(t_max_mjd=t_max_mjd, embargo_months=embargo_months)
    if ends is not None and now >= ends:
        return Decision(True, f"embargo ended {ends:%Y-%m-%d}")
    if viewer.staff:
        return Decision(True, "staff")
    if program_id in viewer.program_ids:
        return Decision(True, "program member")
    for grant in viewer.grants:
        if grant.program_id != program_id:
            continue
        if grant.target_id is not None and grant.target_id != target_id:
            continue
        if grant.ends is not None and now >= grant.ends:
            continue
        return Decision(True, "delegation" + (f" until {grant.ends:%Y-%m-%d}" if grant.ends else ""))
    until = f" until {ends:%Y-%m-%d}" if ends else " (end of observation unknown)"
    if not viewer.authenticated:
        return Decision(False, f"proprietary{until}: log in with an account of the program")
    return Decision(False, f"proprietary{until}: you are not a member of this program and hold no delegation")
