"""CHARA's place for astropy, and the one IERS policy of the process (no Django import).

The portal has no route to the internet: astropy must never try to download IERS
tables (the predictions it ships are good to arcseconds). The setting is made once,
process-wide, when this module is imported: `iers.conf.set_temp` is not thread-safe,
and threads (gunicorn threads, concurrent web requests) restoring it under each other
made astropy try the network. Every observability computation (the OB queue, the night
planner) imports its location and `offline_iers` from here.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import astropy.units as u
import numpy as np
from astropy.coordinates import AltAz, EarthLocation, get_sun
from astropy.time import Time
from astropy.utils import iers

from domain.site import HEIGHT_M, LAT_DEG, LON_DEG, TZ

iers.conf.auto_download = False
iers.conf.auto_max_age = None


def location() -> EarthLocation:
    """CHARA on Mount Wilson (domain.site)."""
    return EarthLocation.from_geodetic(LON_DEG * u.deg, LAT_DEG * u.deg, HEIGHT_M * u.m)


@contextmanager
def offline_iers() -> Iterator[None]:
    """The context-manager form callers use around astropy transforms: re-asserts the process-wide
    offline setting (never `set_temp`, which is not thread-safe)."""
    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    yield


# Sun altitudes that bound the twilights (IAU/USNO definitions, geometric centre of the Sun).
NAUTICAL_SUN_ALT_DEG = -12.0
ASTRONOMICAL_SUN_ALT_DEG = -18.0
_SAMPLE_MINUTES = 5  # linear interpolation between 5-min samples: error well under 10 s


@dataclass(frozen=True)
class Twilight:
    """The evening (`*_end`) and morning (`*_start`) twilight limits of one CHARA night, UTC.

    The astronomical night, the planner's window, runs from `astronomical_end` to
    `astronomical_start`; nautical twilight is the Sun between -6 and -12 deg,
    astronomical twilight between -12 and -18 deg.
    """

    civil_end: dt.datetime
    nautical_end: dt.datetime
    astronomical_end: dt.datetime
    astronomical_start: dt.datetime
    nautical_start: dt.datetime
    civil_start: dt.datetime


def sun_altitude(times: Time) -> np.ndarray:
    """Apparent altitude of the Sun's centre (deg, no refraction) at CHARA."""
    with offline_iers():
        return get_sun(times).transform_to(AltAz(obstime=times, location=location())).alt.deg


@lru_cache(maxsize=128)
def sun_crossings(night: dt.date, sun_alt_deg: float) -> tuple[dt.datetime, dt.datetime]:
    """When the Sun goes below `sun_alt_deg` in the evening of `night` and back above it in the morning.

    The night runs from local noon to the next local noon (domain.site); the Sun is
    sampled every 5 minutes and the two crossings are interpolated linearly.
    ValueError when the Sun never goes that low (no such twilight at CHARA's latitude).
    """
    noon = dt.datetime.combine(night, dt.time(12), tzinfo=TZ).astimezone(dt.UTC)
    minutes = np.arange(0, 24 * 60 + 1, _SAMPLE_MINUTES, dtype=float)
    alt = sun_altitude(Time(noon) + minutes * u.min)
    below = alt < sun_alt_deg
    if not below.any():
        raise ValueError(f"the Sun stays above {sun_alt_deg:g} deg at CHARA on the night of {night}")
    first, last = int(np.argmax(below)), int(len(below) - 1 - np.argmax(below[::-1]))

    def crossing(i0: int, i1: int) -> dt.datetime:
        frac = (sun_alt_deg - alt[i0]) / (alt[i1] - alt[i0])
        return noon + dt.timedelta(minutes=float(minutes[i0] + frac * (minutes[i1] - minutes[i0])))

    evening = crossing(first - 1, first) if first > 0 else noon
    morning = crossing(last, last + 1) if last < len(minutes) - 1 else noon + dt.timedelta(days=1)
    return evening, morning


def twilight(night: dt.date) -> Twilight:
    """Civil, nautical and astronomical twilight limits of a CHARA night (cached per date)."""
    civil, nautical, astro = (sun_crossings(night, a) for a in (-6.0, NAUTICAL_SUN_ALT_DEG,
                                                                  ASTRONOMICAL_SUN_ALT_DEG))
    return Twilight(civil[0], nautical[0], astro[0], astro[1], nautical[1], civil[1])
