"""Can CHARA observe a target now, and how long is left? Pure astropy, no Django import.

Used by the queue order (``obs_server.selectors``) and the operators' altitude plots;
reusable by any app. Vectorised over targets: one AltAz transform for the whole queue.
An OB is observable when the Sun is below the twilight limit, its hour angle lies inside its
Aspro2 HA interval (the delay-line window Aspro2 computed for its stations), the altitude and
airmass are within limits, and the Moon is far enough (ignored while the Moon is down).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.coordinates import TETE, AltAz, SkyCoord, get_body, get_sun
from astropy.time import Time

from domain import site
from domain.observability import NAUTICAL_SUN_ALT_DEG, location, offline_iers  # noqa: F401  (offline_iers: API)

CHARA_LAT_DEG, CHARA_LON_DEG, CHARA_HEIGHT_M = site.LAT_DEG, site.LON_DEG, site.HEIGHT_M
CHARA_TZ = site.TZ
DEFAULT_HA_WINDOW = (-4.0, 4.0)  # when an OB carries no HA interval


@dataclass(frozen=True)
class Limits:
    min_altitude_deg: float = 30.0
    max_airmass: float = 2.0
    min_moon_deg: float = 15.0
    max_sun_alt_deg: float = NAUTICAL_SUN_ALT_DEG  # fringes are found from the end of nautical twilight


@dataclass(frozen=True)
class Observability:
    observable: bool
    hour_angle: float  # hours, -12..12
    altitude_deg: float
    airmass: float | None  # None below the horizon
    moon_deg: float
    moon_up: bool
    hours_left: float  # until the HA window closes (0 when not observable)
    hours_until: float  # until the HA window opens (0 when inside it)
    ha_window: tuple[float, float]
    reasons: tuple[str, ...]  # why not observable (empty when observable)

    def describe(self) -> str:
        state = "observable now" if self.observable else "not observable now (" + "; ".join(self.reasons) + ")"
        airmass = f"airmass {self.airmass:.2f}" if self.airmass else "below horizon"
        return (f"{state}: HA {self.hour_angle:+.2f} h, window [{self.ha_window[0]:+.2f}, {self.ha_window[1]:+.2f}], "
                f"alt {self.altitude_deg:.0f} deg, {airmass}, Moon {self.moon_deg:.0f} deg")


night_date = site.night_date  # the CHARA night a moment belongs to (local noon to noon)


def night_bounds(date: dt.date, sun_alt_deg: float = -12.0) -> tuple[dt.datetime, dt.datetime]:
    """UTC start/end of the night of `date` (Sun below `sun_alt_deg`), sampled every 10 minutes."""
    noon = dt.datetime.combine(date, dt.time(12), tzinfo=CHARA_TZ).astimezone(dt.UTC)
    minutes = np.arange(0, 24 * 60 + 1, 10)
    times = Time(noon) + minutes * u.min
    with offline_iers():
        alt = get_sun(times).transform_to(AltAz(obstime=times, location=location())).alt.deg
    dark = np.flatnonzero(alt < sun_alt_deg)
    if dark.size == 0:
        return noon + dt.timedelta(hours=7), noon + dt.timedelta(hours=17)
    return noon + dt.timedelta(minutes=int(minutes[dark[0]])), noon + dt.timedelta(minutes=int(minutes[dark[-1]]))


def _hour_angle(stars: SkyCoord, times: Time) -> np.ndarray:
    """Hour angle (h, -12..12) = apparent sidereal time - apparent RA of date; shape targets x times."""
    lst = np.atleast_1d(times.sidereal_time("apparent", longitude=CHARA_LON_DEG * u.deg).hour)
    mid = times if times.isscalar else times[len(times) // 2]
    apparent_ra = stars.transform_to(TETE(obstime=mid, location=location())).ra.hour
    return (lst[None, :] - apparent_ra[:, None] + 12.0) % 24.0 - 12.0


def observability_now(ra_deg: Sequence[float], dec_deg: Sequence[float],
                      ha_windows: Sequence[tuple[float, float] | None], when: dt.datetime,
                      limits: Limits = Limits()) -> list[Observability]:
    """Observability of each target at `when` (one vectorised computation for all)."""
    ra = np.asarray(ra_deg, dtype=float)
    dec = np.asarray(dec_deg, dtype=float)
    if ra.size == 0:
        return []
    t = Time(when)
    with offline_iers():
        stars = SkyCoord(ra=ra * u.deg, dec=dec * u.deg)
        loc = location()
        frame = AltAz(obstime=t, location=loc)
        stars_altaz = stars.transform_to(frame)
        alt = stars_altaz.alt.deg
        moon = get_body("moon", t, loc).transform_to(frame)  # topocentric: the Moon's parallax is ~1 deg
        moon_alt = float(moon.alt.deg)
        moon_sep = stars_altaz.separation(moon).deg
        ha = _hour_angle(stars, t)[:, 0]
        sun_alt = float(get_sun(t).transform_to(frame).alt.deg)
    result = []
    for i in range(ra.size):
        low, high = ha_windows[i] or DEFAULT_HA_WINDOW
        airmass = float(1.0 / np.sin(np.radians(alt[i]))) if alt[i] > 0 else None
        reasons = []
        if sun_alt > limits.max_sun_alt_deg:
            reasons.append(f"daytime: Sun at {sun_alt:+.0f} > {limits.max_sun_alt_deg:+.0f} deg")
        if not low <= ha[i] <= high:
            reasons.append(f"HA {ha[i]:+.2f} h outside [{low:+.2f}, {high:+.2f}]")
        if alt[i] < limits.min_altitude_deg:
            reasons.append(f"altitude {alt[i]:.0f} < {limits.min_altitude_deg:.0f} deg")
        elif airmass is not None and airmass > limits.max_airmass:
            reasons.append(f"airmass {airmass:.2f} > {limits.max_airmass:.2f}")
        if moon_alt > 0 and moon_sep[i] < limits.min_moon_deg:
            reasons.append(f"Moon {moon_sep[i]:.0f} < {limits.min_moon_deg:.0f} deg")
        inside = low <= ha[i] <= high
        until = 0.0 if inside else float((low - ha[i]) % 24.0)
        result.append(Observability(
            observable=not reasons, hour_angle=float(ha[i]), altitude_deg=float(alt[i]), airmass=airmass,
            moon_deg=float(moon_sep[i]), moon_up=moon_alt > 0, hours_left=float(high - ha[i]) if inside else 0.0,
            hours_until=until, ha_window=(low, high), reasons=tuple(reasons),
        ))
    return result


def altitude_curves(ra_deg: Sequence[float], dec_deg: Sequence[float], start: dt.datetime, end: dt.datetime,
                    step_minutes: int = 10) -> tuple[list[dt.datetime], np.ndarray, np.ndarray]:
    """Times, altitude (deg) and hour angle (h) of each target over [start, end]; shapes targets x times."""
    n = int((end - start).total_seconds() // (step_minutes * 60)) + 1
    times = [start + dt.timedelta(minutes=step_minutes * k) for k in range(n)]
    ra = np.asarray(ra_deg, dtype=float)
    dec = np.asarray(dec_deg, dtype=float)
    if ra.size == 0:
        return times, np.zeros((0, n)), np.zeros((0, n))
    t = Time(times)
    with offline_iers():
        stars = SkyCoord(ra=ra * u.deg, dec=dec * u.deg)
        alt = stars[:, None].transform_to(AltAz(obstime=t[None, :], location=location())).alt.deg
        ha = _hour_angle(stars, t)
    return times, alt, ha
