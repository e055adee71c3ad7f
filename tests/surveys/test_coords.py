"""Sexagesimal <-> degrees through astropy (no database)."""
import pytest

from surveys.coords import CoordinateError, dec_to_deg, format_dec, format_ra, galactic, ra_to_deg, wrapped_ra


@pytest.mark.parametrize("text, degrees", [("23:12:33.0015", 348.13750625), ("23 12 33.0015", 348.13750625),
                                           ("00:00:00", 0.0), ("348.1375", 348.1375), (12.5, 12.5)])
def test_ra_to_deg(text, degrees):
    assert ra_to_deg(text) == pytest.approx(degrees, abs=1e-9)


@pytest.mark.parametrize("text, degrees", [("+57:10:05.924", 57.168312222), ("-00:30:00", -0.5),
                                           ("-89 59 59.9", -89.99997222), ("45.25", 45.25)])
def test_dec_to_deg(text, degrees):
    assert dec_to_deg(text) == pytest.approx(degrees, abs=1e-8)


@pytest.mark.parametrize("bad", ["", None, "24:00:01", "abc", "400", "-1"])
def test_bad_ra_is_refused(bad):
    with pytest.raises(CoordinateError):
        ra_to_deg(bad)


@pytest.mark.parametrize("bad", ["", "+90:00:01", "x12", "-91"])
def test_bad_dec_is_refused(bad):
    with pytest.raises(CoordinateError):
        dec_to_deg(bad)


def test_display_formats_round_trip():
    assert format_ra(ra_to_deg("23:12:33.0015")) == "23:12:33.00"
    assert format_dec(dec_to_deg("+57:10:05.924")) == "+57:10:05.9"
    assert format_dec(-0.5) == "-00:30:00.0"
    assert format_ra(None) == "" and format_dec(None) == ""


def test_galactic_and_wrap():
    l_deg, b_deg = galactic(266.40499, -28.93617)  # the Galactic centre (ICRS)
    assert min(l_deg, 360 - l_deg) < 1e-3 and abs(b_deg) < 1e-3
    assert galactic(192.85948, 27.12825)[1] == pytest.approx(90.0, abs=1e-3)  # north Galactic pole
    assert wrapped_ra([10.0, 190.0, 359.0]) == pytest.approx([10.0, -170.0, -1.0])
