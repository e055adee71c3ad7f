"""Night limits and observability at CHARA on fixed dates, against known ephemerides."""
from __future__ import annotations

import datetime as dt

import astropy.units as u
import numpy as np
import pytest
from astroplan import Observer
from astropy.time import Time

from planner.observability import CHARA, Constraints, night_window, offline_iers, time_grid, visibility

NIGHT = dt.date(2024, 6, 15)
VEGA = (279.23473, 38.78369)


def test_night_window_matches_astroplan_astronomical_twilight():
    start, end = night_window(NIGHT)
    observer = Observer(location=CHARA.location())
    ref = Time(dt.datetime(2024, 6, 16, 7, 0, tzinfo=dt.UTC))  # local midnight-ish
    with offline_iers():
        dusk = observer.twilight_evening_astronomical(ref, which="previous").to_datetime(dt.UTC)
        dawn = observer.twilight_morning_astronomical(ref, which="next").to_datetime(dt.UTC)
    assert abs((start - dusk).total_seconds()) < 90
    assert abs((end - dawn).total_seconds()) < 90
    # Short summer night at +34 deg: about 6 h of astronomical darkness.
    assert 5.8 < (end - start).total_seconds() / 3600 < 6.3


def test_vega_culminates_at_the_known_altitude_and_hour_angle_zero():
    start, end = night_window(NIGHT)
    vis = visibility(np.array([VEGA[0]]), np.array([VEGA[1]]), time_grid(start, end, 5))
    k = int(np.argmax(vis.altitude[0]))
    # Upper culmination altitude = 90 - |lat - dec| = 85.44 deg (no refraction).
    assert vis.altitude[0, k] == pytest.approx(90 - abs(34.2244 - 38.7837), abs=0.4)
    assert abs(vis.hour_angle[0, k]) < 0.1
    assert vis.airmass[0, k] == pytest.approx(1 / np.sin(np.radians(vis.altitude[0, k])), rel=1e-6)


def test_altitude_agrees_with_astropy_altaz_of_the_same_grid():
    from astropy.coordinates import AltAz, SkyCoord

    start, end = night_window(NIGHT)
    times = time_grid(start, end, 30)
    ra, dec = np.array([10.0, 200.0, 279.2]), np.array([60.0, -10.0, 38.8])
    vis = visibility(ra, dec, times)
    with offline_iers():
        ref = SkyCoord(ra=ra * u.deg, dec=dec * u.deg)[:, None].transform_to(
            AltAz(obstime=Time(times)[None, :], location=CHARA.location())).alt.deg
    assert np.abs(vis.altitude - ref).max() < 0.01  # degrees (aberration neglected: <= 20.5 arcsec)


def test_a_southern_target_below_the_limit_all_night_is_never_observable():
    start, end = night_window(NIGHT)
    vis = visibility(np.array([270.0]), np.array([-60.0]), time_grid(start, end, 10))
    assert vis.altitude.max() < 0  # max altitude 90 - 94.2 deg
    assert not vis.observable.any()


def test_hour_angle_and_moon_limits_remove_samples():
    start, end = night_window(NIGHT)
    times = time_grid(start, end, 10)
    loose = visibility(np.array([VEGA[0]]), np.array([VEGA[1]]), times, Constraints(max_hour_angle_h=12))
    tight = visibility(np.array([VEGA[0]]), np.array([VEGA[1]]), times, Constraints(max_hour_angle_h=1))
    assert tight.observable.sum() < loose.observable.sum()
    assert np.all(np.abs(tight.hour_angle[tight.observable]) <= 1)
    # A star placed on the Moon (2024-06-16 06:00 UT) is refused while the Moon is up.
    from astropy.coordinates import get_body

    with offline_iers():
        moon = get_body("moon", Time("2024-06-16T06:00:00"), CHARA.location())  # apparent direction
    vis = visibility(np.array([moon.ra.deg]), np.array([moon.dec.deg]), times, Constraints(max_hour_angle_h=12))
    k = min(range(len(times)), key=lambda i: abs((times[i] - dt.datetime(2024, 6, 16, 6, tzinfo=dt.UTC))
                                                 .total_seconds()))
    assert vis.moon_up[k] and vis.moon_distance[0, k] < 2
    assert not vis.observable[0, k]


def astropy_crossing(near: dt.datetime, sun_alt_deg: float) -> dt.datetime:
    """Independent: the Sun's AltAz from astropy every 10 s within ±30 min of `near`, at Mount Wilson."""
    from astropy.coordinates import AltAz, EarthLocation, get_sun

    mount_wilson = EarthLocation.from_geodetic(-118.0572 * u.deg, 34.2244 * u.deg, 1742 * u.m)
    t = Time(near) + np.arange(-1800, 1801, 10) * u.s
    with offline_iers():
        alt = get_sun(t).transform_to(AltAz(obstime=t, location=mount_wilson)).alt.deg
    k = int(np.flatnonzero(np.diff(np.sign(alt - sun_alt_deg)) != 0)[0])
    return t[k].to_datetime(dt.UTC)


@pytest.mark.parametrize("night", [dt.date(2024, 6, 15), dt.date(2024, 12, 21), dt.date(2025, 3, 20)])
def test_twilight_times_match_the_suns_altitude_from_astropy(night):
    from domain.observability import twilight

    tw = twilight(night)
    for when, alt in [(tw.nautical_end, -12), (tw.astronomical_end, -18), (tw.astronomical_start, -18),
                      (tw.nautical_start, -12), (tw.civil_end, -6), (tw.civil_start, -6)]:
        assert abs((when - astropy_crossing(when, alt)).total_seconds()) < 120, (when, alt)
    assert tw.civil_end < tw.nautical_end < tw.astronomical_end < tw.astronomical_start < tw.nautical_start
    # The planner's night is the astronomical night, to the whole minute inside it.
    start, end = night_window(night)
    assert dt.timedelta(0) <= start - tw.astronomical_end < dt.timedelta(minutes=1)
    assert dt.timedelta(0) <= tw.astronomical_start - end < dt.timedelta(minutes=1)
