"""The ObsPortal L0 feed as OiDB harvests it (pure, no Django).

OiDB fills its collection `issp_l0` from `search.votable?instrument=SPICA
&date_updated_from=...&date_updated_to=...` (JMMC-OpenDev/oidb,
modules/obsportal.xqm): a VOTable whose FIELD names it maps by position onto
each TABLEDATA row, in the namespace `http://www.ivoa.net/xml/VOTable/v1.4`
(the only one its XPath matches). Date-time parameters carry an explicit
offset (`+00:00`); it remembers the largest `exp_date_updated` it saw and asks
from there next time. This module holds the field list, the row format and
the parameter rules; the portal's view serves it (pipelines.l0_feed).
"""
from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

NAMESPACE = "http://www.ivoa.net/xml/VOTable/v1.4"

#: (name, datatype, unit, description), in the order of the TD cells
FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("exp_id", "char", "", "exposure id (OiDB obs_id)"),
    ("exp_date_release", "char", "", "end of the proprietary period, ISO 8601 UTC (OiDB obs_release_date)"),
    ("exp_date_updated", "char", "", "last change of this row, ISO 8601 UTC (harvest bookmark)"),
    ("exp_header_id", "char", "", "raw file SHA-256 (header identity)"),
    ("exp_mjd_start", "double", "d", "start of exposure, MJD (OiDB t_min)"),
    ("exp_mjd_end", "double", "d", "end of exposure, MJD (OiDB t_max)"),
    ("target_name", "char", "", "observed star"),
    ("target_ra", "double", "deg", "ICRS right ascension"),
    ("target_dec", "double", "deg", "ICRS declination"),
    ("instrument_name", "char", "", "beam combiner"),
    ("instrument_mode", "char", "", "spectral mode (resolution)"),
    ("instrument_submode", "char", "", "spectral sub-setting (central wavelength, nm)"),
    ("instrument_em_min", "double", "m", "shortest wavelength"),
    ("instrument_em_max", "double", "m", "longest wavelength"),
    ("instrument_em_res_power", "double", "", "spectral resolving power"),
    ("interferometer_name", "char", "", "facility"),
    ("interferometer_stations", "char", "", "stations, dash-separated"),
    ("obs_program", "char", "", "program code (OiDB progid)"),
    ("obs_program_pi_coi", "char", "", "program PI (OiDB datapi)"),
    ("obs_type", "char", "", "science or calibrator"),
)
FIELD_NAMES = tuple(f[0] for f in FIELDS)
_MODE = re.compile(r"^([A-Za-z]+)(\d+)$")


class FeedParameterError(ValueError):
    """A bad query parameter: `field` and `reason` go into the 400 answer."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def parse_date_param(name: str, value: str | None) -> dt.datetime | None:
    """An ISO 8601 date-time with an explicit UTC offset, as OiDB sends it (`...T12:00:00+00:00`)."""
    if value is None or value == "":
        return None
    text = value.strip()
    if re.search(r"T\d\d:\d\d(:\d\d(\.\d+)?)? \d\d:\d\d$", text):  # '+' sent unencoded arrives as a space
        text = text[:-6] + "+" + text[-5:]
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FeedParameterError(name, f"not an ISO 8601 date-time: {value!r} "
                                       "(expected e.g. 2024-06-01T00:00:00+00:00)") from None
    if when.tzinfo is None:
        raise FeedParameterError(name, f"{value!r} has no UTC offset: add +00:00, e.g. 2024-06-01T00:00:00+00:00")
    return when.astimezone(dt.UTC)


def iso_utc(when: dt.datetime | None) -> str:
    """`2024-06-01T12:00:00+00:00`: whole seconds (OiDB drops fractions), explicit offset, XSD dateTime."""
    if when is None:
        return ""
    return when.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat(timespec="seconds") + "+00:00"


def split_mode(mode: str) -> tuple[str, str]:
    """Aspro2's SPICA mode `MR720` -> (`MR`, `720`); modes without a sub-setting stay whole (`LR`, `Low_H`)."""
    match = _MODE.match(mode or "")
    return (match.group(1), match.group(2)) if match else (mode or "", "")


def _cell(value) -> str | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, float):
        return repr(value)
    return str(value)


def votable(rows: Iterable[dict], *, description: str = "") -> bytes:
    """VOTable 1.4 TABLEDATA, one TR per exposure, cells in FIELDS order (missing values are empty TDs)."""
    ET.register_namespace("", NAMESPACE)
    q = f"{{{NAMESPACE}}}"
    root = ET.Element(f"{q}VOTABLE", {"version": "1.4"})
    resource = ET.SubElement(root, f"{q}RESOURCE", {"type": "results"})
    table = ET.SubElement(resource, f"{q}TABLE", {"name": "exposures"})
    if description:
        ET.SubElement(table, f"{q}DESCRIPTION").text = description
    for name, datatype, unit, text in FIELDS:
        attrs = {"name": name, "datatype": datatype}
        if datatype == "char":
            attrs["arraysize"] = "*"
        if unit:
            attrs["unit"] = unit
        ET.SubElement(ET.SubElement(table, f"{q}FIELD", attrs), f"{q}DESCRIPTION").text = text
    data = ET.SubElement(ET.SubElement(table, f"{q}DATA"), f"{q}TABLEDATA")
    for row in rows:
        tr = ET.SubElement(data, f"{q}TR")
        for name in FIELD_NAMES:
            ET.SubElement(tr, f"{q}TD").text = _cell(row.get(name))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
