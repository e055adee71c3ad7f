"""The a2p2-style OB dict for one CAL-SCI-CAL block (pure, no Django).

Every value is written as text, the way a2p2's ``OB(path).as_dict()`` reads an
Aspro2 ``.obxml`` file, so that payload -> obxml -> ``OB()`` gives back the
same dict and re-posting it gives an equal OB (same content hash).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import astropy.units as u
from astropy.coordinates import Angle

from planner.scoring import ASPRO2_INSTRUMENT

SCHEMA_VERSION = "2017.7"
STATIONS = "S1 S2 E1 E2 W1 W2"
POPS = "1 2 3 4 5 6"
CHANNELS = "V1 V2 V3 V4 V5 V6"
BANDS = ("V", "R", "I", "J", "H", "K")


@dataclass(frozen=True)
class Star:
    name: str
    ra_deg: float
    dec_deg: float
    pm_ra: float | None = None
    pm_dec: float | None = None
    parallax: float | None = None
    identifiers: str = ""
    object_types: str = ""
    spectral_type: str = ""
    mags: dict[str, float | None] = field(default_factory=dict)  # band -> magnitude
    diameter_mas: float | None = None  # calibrators only
    ha_interval: tuple[float, float] | None = None  # hours
    lst_interval: tuple[float, float] | None = None  # hours


def star_id(name: str) -> str:
    """Aspro2-like id: the name with non-alphanumerics as underscores (HD 219080 -> HD_219080)."""
    return re.sub(r"\W+", "_", name).strip("_") or "star"


def _num(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def _hm(hours: float) -> str:
    return Angle(hours % 24, unit=u.hourangle).to_string(unit=u.hourangle, sep=":", fields=2, pad=True)


def _sctarget(star: Star) -> dict:
    sc = {
        "name": star.name,
        "RA": Angle(star.ra_deg, unit=u.deg).to_string(unit=u.hourangle, sep=":", precision=4, pad=True),
        "DEC": Angle(star.dec_deg, unit=u.deg).to_string(unit=u.deg, sep=":", precision=3, pad=True,
                                                          alwayssign=True),
        "EQUINOX": "2000.0",
    }
    for key, value in (("PMRA", star.pm_ra), ("PMDEC", star.pm_dec), ("PARALLAX", star.parallax)):
        if value is not None:
            sc[key] = _num(value)
    for key, value in (("IDS", star.identifiers), ("OBJTYP", star.object_types), ("SPECTYP", star.spectral_type)):
        if value:
            sc[key] = value
    for band in BANDS:
        mag = star.mags.get(band)
        if mag is not None:
            sc[f"FLUX_{band}"] = _num(mag)
    if star.diameter_mas is not None:
        sc["DIAMETER"] = _num(star.diameter_mas, 3)
    return sc


def _configuration(star: Star, kind: str) -> dict:
    conf: dict = {"type": kind, "SCTarget": _sctarget(star)}
    constraints = {}
    if star.ha_interval:
        constraints["HAinterval"] = [f"{star.ha_interval[0]:.2f}/{star.ha_interval[1]:.2f}"]
    if star.lst_interval:
        constraints["LSTinterval"] = [f"{_hm(star.lst_interval[0])}/{_hm(star.lst_interval[1])}"]
    if constraints:
        conf["observationConstraints"] = constraints
    conf["id"] = star_id(star.name)
    return conf


def ob_name(*, program_code: str, science: str, mode: str, night: dt.date) -> str:
    return f"{program_code.upper()}_{star_id(science).replace('_', '')}_{mode}_{night:%Y%m%d}"


def build(*, program_code: str, night: dt.date, semester: str, instrument: str, mode: str,
          science: Star, calibrators: list[Star], stations: str = STATIONS) -> dict:
    """CAL1-SCI-CAL2 (CAL-SCI-CAL with one calibrator) for `science`, as a2p2 sends it."""
    if not calibrators:
        raise ValueError(f"{science.name}: a CAL-SCI-CAL block needs at least one calibrator")
    sci = _configuration(science, "SCIENCE")
    cals = []
    for cal in calibrators:
        conf = _configuration(cal, "CALIBRATION")
        if conf["id"] not in {c["id"] for c in cals} and conf["id"] != sci["id"]:
            cals.append(conf)
    first, last = cals[0]["id"], cals[-1]["id"]
    return {
        "schemaVersion": SCHEMA_VERSION,
        "name": ob_name(program_code=program_code, science=science.name, mode=mode, night=night),
        "interferometerConfiguration": {"name": "CHARA", "version": semester or f"{night.year}",
                                        "stations": stations, "pops": POPS, "channels": CHANNELS},
        "instrumentConfiguration": {"name": ASPRO2_INSTRUMENT.get(instrument, instrument), "instrumentMode": mode},
        "observationConfiguration": [sci, *cals],
        "observationSchedule": {"OB": [{"ref": first}, {"ref": sci["id"]}, {"ref": last}]},
    }
