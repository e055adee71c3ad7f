"""When can CHARA see a star tonight: night limits, altitude, airmass, hour angle, Moon.

Pure domain module (no Django). Everything is computed with astropy, vectorised
over targets x a regular time grid, so thousands of targets cost one broadcast
AltAz transform.

Observability constraints (kept simple on purpose, see `Constraints`):
- the night runs from the end of evening astronomical twilight (Sun at -18 deg)
  to the start of morning astronomical twilight;
- altitude >= `min_altitude_deg` and airmass <= `max_airmass`;
- |hour angle| <= `max_hour_angle_h`: this stands in for CHARA's delay-line
  limits (the real limits depend on the station set and pointing; Aspro2
  computes them exactly, the planner only needs a conservative window);
- angular distance to the Moon >= `min_moon_distance_deg` while the Moon is up.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import astropy.units as u
import erfa
import numpy as np
from astropy.coordinates import AltAz, EarthLocation, get_body
from astropy.time import Time

from domain import observability as domain_observability
from domain import site

TWILIGHT_SUN_ALT_DEG = domain_observability.ASTRONOMICAL_SUN_ALT_DEG


@dataclass(frozen=True)
class Site:
    name: str
    lat_deg: float
    lon_deg: float
    height_m: float

    def location(self) -> EarthLocation:
        return EarthLocation.from_geodetic(self.lon_deg * u.deg, self.lat_deg * u.deg, self.height_m * u.m)


CHARA = Site(site.NAME, site.LAT_DEG, site.LON_DEG, site.HEIGHT_M)


@dataclass(frozen=True)
class Constraints:
    min_altitude_deg: float = 30.0
    max_airmass: float = 2.0
    max_hour_angle_h: float = 4.0
    min_moon_distance_deg: float = 20.0
    step_minutes: int = 10


offline_iers = domain_observability.offline_iers  # process-wide, no set_temp (not thread-safe)


@lru_cache(maxsize=64)
def night_window(date: dt.date, site: Site = CHARA) -> tuple[dt.datetime, dt.datetime]:
    """UTC start/end of astronomical night starting on the local evening of `date`.

    The Sun's -18 deg crossings come from domain.observability (the one home of the
    night boundary), rounded to whole minutes inside the night: ceil the start, floor the end.
    """
    if site != CHARA:
        raise ValueError(f"the night boundary is known for CHARA only, not {site.name}")
    start, end = domain_observability.sun_crossings(date, TWILIGHT_SUN_ALT_DEG)
    begin = start.replace(second=0, microsecond=0) + (dt.timedelta(minutes=1) if start.second or start.microsecond
                                                      else dt.timedelta(0))
    return begin, end.replace(second=0, microsecond=0)


def time_grid(start: dt.datetime, end: dt.datetime, step_minutes: int) -> list[dt.datetime]:
    """Regular samples from `start` to `end` included (the last one may fall short of `end`)."""
    n = int((end - start).total_seconds() // (step_minutes * 60)) + 1
    return [start + dt.timedelta(minutes=step_minutes * k) for k in range(n)]


@dataclass
class Visibility:
    """Targets x times arrays; `observable` combines every constraint."""

    times: list[dt.datetime]
    altitude: np.ndarray
    airmass: np.ndarray
    hour_angle: np.ndarray
    moon_distance: np.ndarray
    moon_up: np.ndarray
    observable: np.ndarray
    step_minutes: int

    def hours_observable(self) -> np.ndarray:
        return self.observable.sum(axis=1) * self.step_minutes / 60.0

    def max_altitude(self) -> np.ndarray:
        return self.altitude.max(axis=1) if self.altitude.size else np.zeros(len(self.altitude))

    def ha_range(self, i: int) -> tuple[float, float] | None:
        """Hour-angle span (h) over which target i is observable, None if never."""
        ok = self.observable[i]
        if not ok.any():
            return None
        return float(self.hour_angle[i, ok].min()), float(self.hour_angle[i, ok].max())


@dataclass(frozen=True)
class NightSky:
    """What does not depend on the targets: apparent sidereal time and the Moon on the grid."""

    lst_hours: np.ndarray
    moon_alt_rad: np.ndarray
    moon_az_rad: np.ndarray
    mid: Time
    npb: np.ndarray  # ICRS -> true equator and equinox of date at mid-night (IAU 2006/2000A, via ERFA)


@lru_cache(maxsize=32)
def night_sky(times: tuple[dt.datetime, ...], site: Site = CHARA) -> NightSky:
    """Computed once per grid (cached: a night's grid is asked for again at every edit)."""
    t = Time(list(times))
    loc = site.location()
    with offline_iers():
        lst = t.sidereal_time("apparent", longitude=loc.lon).hour
        moon = get_body("moon", t, loc).transform_to(AltAz(obstime=t, location=loc))
        mid = t[len(t) // 2]
        npb = erfa.pnm06a(mid.tt.jd1, mid.tt.jd2)
    return NightSky(np.asarray(lst), moon.alt.rad, moon.az.rad, mid, npb)


def apparent_places(ra_deg: np.ndarray, dec_deg: np.ndarray, sky: NightSky) -> tuple[np.ndarray, np.ndarray]:
    """True-of-date RA (hours) and Dec (rad): the night's precession-nutation matrix applied to unit vectors.

    One matrix per night (precession and nutation move stars by well under an
    arcsecond in a night); annual aberration (<= 20.5") is neglected, far below
    what a 10-minute planning grid resolves.
    """
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    v = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1) @ sky.npb.T
    return (np.degrees(np.arctan2(v[:, 1], v[:, 0])) / 15.0) % 24.0, np.arcsin(np.clip(v[:, 2], -1, 1))


def visibility(
    ra_deg: np.ndarray,
    dec_deg: np.ndarray,
    times: list[dt.datetime],
    constraints: Constraints = Constraints(),
    site: Site = CHARA,
) -> Visibility:
    """Altitude, airmass, hour angle and Moon distance for every target at every time.

    Hour angle = apparent sidereal time (astropy) - true-of-date RA; altitude and
    azimuth from (HA, Dec, latitude) with ERFA's hd2ae (no refraction, like
    astropy's AltAz without pressure): within ~20 arcsec of the full AltAz
    transform at a small fraction of its cost.
    """
    ra = np.atleast_1d(np.asarray(ra_deg, dtype=float))
    dec = np.atleast_1d(np.asarray(dec_deg, dtype=float))
    n, m = len(ra), len(times)
    if n == 0 or m == 0:
        empty = np.zeros((n, m))
        return Visibility(list(times), empty, empty, empty, empty, np.zeros(m, bool), empty.astype(bool),
                          constraints.step_minutes)
    sky = night_sky(tuple(times), site)
    app_ra_h, app_dec = apparent_places(ra, dec, sky)
    ha = (sky.lst_hours[None, :] - app_ra_h[:, None] + 12.0) % 24.0 - 12.0
    az, el = erfa.hd2ae(np.radians(ha * 15.0), app_dec[:, None], np.radians(site.lat_deg))
    alt = np.degrees(el)
    with np.errstate(divide="ignore"):
        airmass = np.where(alt > 0, 1.0 / np.sin(np.clip(el, 1e-5, None)), np.inf)
    malt, maz = sky.moon_alt_rad[None, :], sky.moon_az_rad[None, :]
    cos_d = np.sin(el) * np.sin(malt) + np.cos(el) * np.cos(malt) * np.cos(az - maz)
    moon_dist = np.degrees(np.arccos(np.clip(cos_d, -1, 1)))
    moon_up = sky.moon_alt_rad > 0
    observable = (
        (alt >= constraints.min_altitude_deg)
        & (airmass <= constraints.max_airmass)
        & (np.abs(ha) <= constraints.max_hour_angle_h)
        & ((moon_dist >= constraints.min_moon_distance_deg) | ~moon_up[None, :])
    )
    return Visibility(list(times), alt, airmass, ha, moon_dist, moon_up, observable, constraints.step_minutes)
