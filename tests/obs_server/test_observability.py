"""The pure observability module: hour angle, altitude, night date, curves (astropy, no Django)."""
from __future__ import annotations

import datetime as dt

import pytest
from astropy.time import Time

from obs_server import observability as obsv

WHEN = dt.datetime(2024, 6, 15, 8, 0, tzinfo=dt.UTC)  # 01:00 local (PDT) at Mount Wilson


def _lst_deg(when: dt.datetime) -> float:
    with obsv.offline_iers():
        return Time(when).sidereal_time("apparent", longitude=obsv.CHARA_LON_DEG).deg


def test_star_on_the_meridian():
    ra = _lst_deg(WHEN)
    (res,) = obsv.observability_now([ra], [obsv.CHARA_LAT_DEG - 10], [(-3.5, 3.5)], WHEN,
                                    obsv.Limits(min_moon_deg=0))
    assert abs(res.hour_angle) < 0.05  # apparent vs J2000 RA differ by precession only
    assert res.altitude_deg == pytest.approx(80.0, abs=0.5)
    assert res.observable and res.reasons == () and res.hours_left == pytest.approx(3.5, abs=0.05)
    assert res.airmass == pytest.approx(1.015, abs=0.01)


def test_outside_window_and_too_low():
    ra = (_lst_deg(WHEN) + 90) % 360  # six hours east: rising
    (res,) = obsv.observability_now([ra], [0.0], [(-3.5, 3.5)], WHEN)
    assert not res.observable
    assert any("outside" in r for r in res.reasons) and any("altitude" in r for r in res.reasons)
    assert res.hours_until == pytest.approx(2.5, abs=0.1)


def test_night_date_is_local_noon_to_noon():
    assert obsv.night_date(dt.datetime(2024, 6, 15, 8, 0, tzinfo=dt.UTC)) == dt.date(2024, 6, 14)
    assert obsv.night_date(dt.datetime(2024, 6, 15, 20, 0, tzinfo=dt.UTC)) == dt.date(2024, 6, 15)


def test_night_bounds_and_curves():
    start, end = obsv.night_bounds(dt.date(2024, 6, 14))
    assert dt.datetime(2024, 6, 15, 3, 30, tzinfo=dt.UTC) < start < dt.datetime(2024, 6, 15, 5, 0, tzinfo=dt.UTC)
    assert dt.timedelta(hours=6) < end - start < dt.timedelta(hours=10)  # short summer night
    times, alt, ha = obsv.altitude_curves([10.0, 200.0], [30.0, -10.0], start, end, step_minutes=15)
    assert alt.shape == ha.shape == (2, len(times)) and times[0] == start
    assert (alt <= 90).all() and (abs(ha) <= 12).all()


def test_daytime_is_never_observable_now():
    """At 13:00 local a star on the meridian is high, inside its HA window, and still not observable."""
    noon = dt.datetime(2024, 6, 15, 20, 0, tzinfo=dt.UTC)  # 13:00 PDT at Mount Wilson
    ra = _lst_deg(noon)
    (res,) = obsv.observability_now([ra], [obsv.CHARA_LAT_DEG - 10], [(-3.5, 3.5)], noon, obsv.Limits(min_moon_deg=0))
    assert res.altitude_deg == pytest.approx(80.0, abs=0.5) and abs(res.hour_angle) < 0.05
    assert not res.observable
    (reason,) = res.reasons
    assert reason.startswith("daytime: Sun at +7") and reason.endswith("> -12 deg")  # Sun ~+73 deg at 13:00 in June
    dusk = dt.datetime(2024, 6, 16, 3, 50, tzinfo=dt.UTC)  # 20:50 PDT: Sun about -8 deg, nautical twilight
    (res,) = obsv.observability_now([_lst_deg(dusk)], [obsv.CHARA_LAT_DEG - 10], [(-3.5, 3.5)], dusk,
                                    obsv.Limits(min_moon_deg=0))
    assert [r.split(":")[0] for r in res.reasons] == ["daytime"]
