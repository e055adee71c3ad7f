"""The CHARA Array: location, time zone, telescope stations and the night boundary.

A CHARA night runs from local noon (America/Los_Angeles, UTC-8 in winter,
UTC-7 in summer) to the next local noon and is named by the local date of its
evening. Every app dates nights with `night_date` / `night_of_mjd`.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

NAME = "CHARA"
LAT_DEG, LON_DEG, HEIGHT_M = 34.2244, -118.0572, 1742.0
TZ = ZoneInfo("America/Los_Angeles")

# Station positions (east, north, up) in metres relative to S1, as written into OI_ARRAY.
STATIONS: dict[str, tuple[float, float, float]] = {
    "S1": (0.0, 0.0, 0.0), "S2": (-5.7, 33.6, 0.6), "E1": (125.3, 305.9, -5.9),
    "E2": (70.4, 269.7, -2.8), "W1": (-175.1, 216.3, -10.8), "W2": (-69.1, 199.3, 0.5),
}
STATION_NAMES: tuple[str, ...] = tuple(STATIONS)


def longest_baseline(stations: tuple[str, ...] = STATION_NAMES) -> tuple[float, str]:
    """Length (m) and name ("S1-E1") of the longest baseline between `stations` (all six by default)."""
    pairs = [(float(np.linalg.norm(np.subtract(STATIONS[a], STATIONS[b]))), f"{a}-{b}")
             for k, a in enumerate(stations) for b in stations[k + 1:]]
    if not pairs:
        raise ValueError("a baseline needs at least two stations")
    return max(pairs)

_MJD_EPOCH = dt.datetime(1858, 11, 17, tzinfo=dt.UTC)
# CHARA's first fringes were in 1999: no raw file is older. A camera clock may run a little
# ahead, never years: a later date is a broken header, not an observation.
FIRST_LIGHT = dt.datetime(1999, 1, 1, tzinfo=dt.UTC)
MAX_CLOCK_AHEAD = dt.timedelta(days=366)


def night_date(when: dt.datetime) -> dt.date:
    """The CHARA night a moment belongs to: the local date at the start of the night (noon to noon)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return (when.astimezone(TZ) - dt.timedelta(hours=12)).date()


def night_of_mjd(mjd: float) -> dt.date:
    """`night_date` of a modified Julian date (UTC)."""
    return night_date(_MJD_EPOCH + dt.timedelta(days=float(mjd)))


def night_labels(mjd: np.ndarray) -> np.ndarray:
    """Integer night label per MJD (ordinal of `night_of_mjd`): one value per CHARA night, vectorised."""
    mjd = np.asarray(mjd, dtype=float)
    unique, inverse = np.unique(np.round(mjd, 6), return_inverse=True)
    labels = np.array([night_of_mjd(m).toordinal() for m in unique], dtype=int)
    return labels[inverse].reshape(mjd.shape)


def semester_of(day: dt.date) -> tuple[str, dt.date, dt.date]:
    """The CHARA semester of a night: A runs 1 February to 31 July, B 1 August to 31 January ("2026B")."""
    if 2 <= day.month <= 7:
        return f"{day.year}A", dt.date(day.year, 2, 1), dt.date(day.year, 7, 31)
    year = day.year if day.month >= 8 else day.year - 1
    return f"{year}B", dt.date(year, 8, 1), dt.date(year + 1, 1, 31)


def mjd_of_night(day: dt.date, hours_ut: float = 7.0) -> float:
    """MJD of `hours_ut` UT on the calendar day after the night's evening (07:00 UT ≈ local midnight)."""
    return (dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) - _MJD_EPOCH).days + 1 + hours_ut / 24.0


def mjd_of(when: dt.datetime) -> float:
    """Modified Julian date (UTC) of an aware or naive-UTC datetime."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return (when - _MJD_EPOCH) / dt.timedelta(days=1)


def observation_mjd_range(now: dt.datetime | None = None) -> tuple[float, float]:
    """The MJDs a CHARA observation can carry: from first light to a year after `now`."""
    now = now or dt.datetime.now(dt.UTC)
    return mjd_of(FIRST_LIGHT), mjd_of(now + MAX_CLOCK_AHEAD)
