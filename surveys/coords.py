"""Sky coordinates: parse and format with astropy only (no hand-made sexagesimal arithmetic).

Pure module (no Django import): used by imports, services, templates and plots.
RA strings are hours ("23:12:33.0015" or "23 12 33.0"), Dec strings degrees
("+57:10:05.924"); plain numbers are degrees for both.
"""
from __future__ import annotations

import math
import warnings

import astropy.units as u
import numpy as np
from astropy.coordinates import Angle, SkyCoord


class CoordinateError(ValueError):
    """A coordinate that cannot be understood or is out of range."""


def _is_number(value) -> bool:
    if isinstance(value, int | float):
        return True
    try:
        float(str(value).strip())
    except ValueError:
        return False
    return True


def ra_to_deg(value) -> float:
    """Right ascension as sexagesimal hours or decimal degrees -> degrees in [0, 360)."""
    if value is None or str(value).strip() == "":
        raise CoordinateError("right ascension is missing")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # astropy only warns about 24 h and 60 min/s: refuse them
            # A plain number is degrees; a sexagesimal string is hours.
            angle = (Angle(float(value), unit=u.deg) if _is_number(value)
                     else Angle(str(value).strip(), unit=u.hourangle))
    except (ValueError, u.UnitsError, Warning) as exc:
        raise CoordinateError(f"right ascension {value!r} is not valid: {exc}") from None
    deg = float(angle.deg)
    if not math.isfinite(deg) or not 0 <= deg < 360:
        raise CoordinateError(f"right ascension {value!r} is outside 0-24 h")
    return deg


def dec_to_deg(value) -> float:
    """Declination as sexagesimal or decimal degrees -> degrees in [-90, 90]."""
    if value is None or str(value).strip() == "":
        raise CoordinateError("declination is missing")
    try:
        angle = Angle(float(value) if _is_number(value) else str(value).strip(), unit=u.deg)
    except (ValueError, u.UnitsError) as exc:
        raise CoordinateError(f"declination {value!r} is not valid: {exc}") from None
    deg = float(angle.deg)
    if not math.isfinite(deg) or not -90 <= deg <= 90:
        raise CoordinateError(f"declination {value!r} is outside -90..+90 deg")
    return deg


def format_ra(ra_deg: float | None) -> str:
    """hh:mm:ss.ss"""
    if ra_deg is None:
        return ""
    return Angle(ra_deg, unit=u.deg).to_string(unit=u.hourangle, sep=":", precision=2, pad=True)


def format_dec(dec_deg: float | None) -> str:
    """±dd:mm:ss.s"""
    if dec_deg is None:
        return ""
    return Angle(dec_deg, unit=u.deg).to_string(unit=u.deg, sep=":", precision=1, pad=True, alwayssign=True)


def galactic(ra_deg: float, dec_deg: float) -> tuple[float, float]:
    """(l, b) in degrees, for the target page."""
    c = SkyCoord(ra=ra_deg * u.deg, dec=dec_deg * u.deg, frame="icrs").galactic
    return float(c.l.deg), float(c.b.deg)


def wrapped_ra(ra_degs: list[float]) -> list[float]:
    """RA wrapped to (-180, 180] for all-sky maps (astropy wrap_at)."""
    if not ra_degs:
        return []
    return [float(x) for x in Angle(np.asarray(ra_degs, dtype=float), unit=u.deg).wrap_at(180 * u.deg).deg]


def ra_hours(ra_degs: list[float]) -> list[float]:
    """RA in hours (astropy Angle), for charts with an hour axis."""
    if not ra_degs:
        return []
    return [float(x) for x in Angle(np.asarray(ra_degs, dtype=float), unit=u.deg).hour]


def format_ra_many(ra_degs: list[float]) -> list[str]:
    """format_ra for many values in one astropy call on an array (sky maps, exports): 100x faster."""
    if not ra_degs:
        return []
    angles = Angle(np.asarray(ra_degs, dtype=float), unit=u.deg)
    return [str(s) for s in angles.to_string(unit=u.hourangle, sep=":", precision=2, pad=True)]


def format_dec_many(dec_degs: list[float]) -> list[str]:
    if not dec_degs:
        return []
    angles = Angle(np.asarray(dec_degs, dtype=float), unit=u.deg)
    return [str(s) for s in angles.to_string(unit=u.deg, sep=":", precision=1, pad=True, alwayssign=True)]


def cone_separations(ra0_deg: float, dec0_deg: float, ra_degs: list[float], dec_degs: list[float]) -> np.ndarray:
    """Angular distance (degrees) of each position from the cone centre (astropy, great circle)."""
    if not ra_degs:
        return np.zeros(0)
    centre = SkyCoord(ra=ra0_deg * u.deg, dec=dec0_deg * u.deg, frame="icrs")
    points = SkyCoord(ra=np.asarray(ra_degs, dtype=float) * u.deg, dec=np.asarray(dec_degs, dtype=float) * u.deg,
                      frame="icrs")
    return centre.separation(points).deg


def parse_cone(ra, dec, radius_arcmin) -> tuple[float, float, float]:
    """(ra_deg, dec_deg, radius_deg) of a cone search; CoordinateError names the bad field."""
    try:
        ra_deg = ra_to_deg(ra)
    except CoordinateError as exc:
        raise CoordinateError(f"ra: {exc}") from None
    try:
        dec_deg = dec_to_deg(dec)
    except CoordinateError as exc:
        raise CoordinateError(f"dec: {exc}") from None
    try:
        radius = float(radius_arcmin) if str(radius_arcmin or "").strip() else 10.0
    except ValueError:
        raise CoordinateError(f"radius: {radius_arcmin!r} is not a number of arcminutes") from None
    if not 0 < radius <= 600:
        raise CoordinateError(f"radius: {radius} arcmin is outside 0-600")
    return ra_deg, dec_deg, radius / 60.0
