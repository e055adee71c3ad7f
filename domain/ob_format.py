"""The a2p2 / Aspro2 observing block: parse, validate, write back (no Django import).

``parse_ob(payload)`` turns the dict that ``a2p2.ob.OB(path).as_dict()`` produces (or
``obxml_to_dict`` on the file) into a frozen ``ObDefinition``; every bad field is listed
in one ``ObFormatError`` so a2p2 users see all their mistakes at once. Numbers may
arrive as strings (a2p2 sends every value as text). Coordinates are parsed by astropy.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import astropy.units as u
from astropy.coordinates import Angle

from domain.errors import ValidationFailed
from domain.obxml import ObXmlError, obxml_to_dict, payload_to_obxml

__all__ = [
    "CHARA_MODES", "CHARA_STATIONS", "ObDefinition", "ObFormatError", "ObTarget", "ObXmlError",
    "definition_to_payload", "ob_to_obxml", "obxml_to_dict", "parse_ob",
]

# Aspro2 "CHARA" interferometer configuration: instrument -> modes (Aspro2 docs 2024-2026).
CHARA_MODES: dict[str, tuple[str, ...]] = {
    "SPICA": ("LR", "MR640", "MR720", "MR800", "MR855", "HR"),
    "MIRCX-MYSTIC": ("Low_J", "Med_J", "High_J", "Low_H", "Medium_H", "High_H", "Low_K", "Med_K", "High_K"),
    "PAVO": ("R",),
    "CLASSIC": ("J", "H", "K-Prime", "K-Cont", "B-gamma"),
    "CLIMB": ("J", "H", "K-Prime", "K-Cont", "B-gamma"),
}
CHARA_STATIONS = ("S1", "S2", "E1", "E2", "W1", "W2")
TARGET_KINDS = ("SCIENCE", "CALIBRATION")
FLUX_PREFIX = "FLUX_"


class ObFormatError(ValidationFailed):
    """The OB is refused; ``errors`` maps each bad field path to the reason."""

    def __init__(self, errors: dict[str, str], message: str | None = None):
        if message is None:
            message = "OB refused: " + "; ".join(f"{k}: {v}" for k, v in errors.items())
        super().__init__(message, errors)


@dataclass(frozen=True)
class ObTarget:
    id: str
    name: str
    kind: str  # 'SCIENCE' | 'CALIBRATION'
    ra_deg: float
    dec_deg: float
    pm_ra: float | None = None
    pm_dec: float | None = None
    parallax: float | None = None
    fluxes: dict[str, float] = field(default_factory=dict)
    spectral_type: str = ""
    object_types: str = ""
    identifiers: str = ""
    diameter: float | None = None
    ha_interval: tuple[float, float] | None = None  # hours, first interval
    lst_interval: tuple[float, float] | None = None  # hours, first interval (may wrap 24 h)
    ha_intervals: list[tuple[float, float]] = field(default_factory=list)
    lst_intervals: list[tuple[float, float]] = field(default_factory=list)


@dataclass(frozen=True)
class ObDefinition:
    name: str
    interferometer: str
    instrument: str
    mode: str
    stations: list[str]
    targets: list[ObTarget]
    schedule: list[str]  # target ids in visiting order
    interferometer_version: str = ""
    pops: str = ""
    channels: str = ""
    schema_version: str = ""

    @property
    def science(self) -> list[ObTarget]:
        return [t for t in self.targets if t.kind == "SCIENCE"]

    @property
    def calibrators(self) -> list[ObTarget]:
        return [t for t in self.targets if t.kind == "CALIBRATION"]

    def summary(self) -> str:
        sci = ", ".join(t.name for t in self.science)
        cals = ", ".join(t.name for t in self.calibrators) or "no calibrator"
        return (f"{self.name}: {self.instrument} {self.mode} on {'-'.join(self.stations)}, "
                f"science {sci}, calibrators {cals}, {len(self.schedule)} visits")


class _Errors(dict):
    def add(self, path: str, reason: str) -> None:
        self.setdefault(path, reason)


def _as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        value = value.get("#text", "")
    return str(value).strip()


def _number(value: Any, path: str, errors: _Errors, *, required: bool = False) -> float | None:
    text = _as_str(value)
    if text == "":
        if required:
            errors.add(path, "missing")
        return None
    try:
        number = float(text)
    except ValueError:
        errors.add(path, f"not a number: {text!r}")
        return None
    if number != number or number in (float("inf"), float("-inf")):
        errors.add(path, f"not a finite number: {text!r}")
        return None
    return number


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _interval(text: str, path: str, errors: _Errors, *, lst: bool) -> tuple[float, float] | None:
    parts = text.split("/")
    if len(parts) != 2:
        errors.add(path, f"expected 'start/end', got {text!r}")
        return None
    try:
        if lst:  # "19:42/02:42": sexagesimal hours, read by astropy
            low, high = (Angle(p.strip(), unit=u.hourangle).hour for p in parts)
        else:
            low, high = (float(p) for p in parts)
    except (ValueError, TypeError) as exc:
        errors.add(path, f"cannot parse {text!r}: {exc}")
        return None
    if lst:
        if not (0 <= low <= 24 and 0 <= high <= 24):
            errors.add(path, f"LST out of 0-24 h: {text!r}")
            return None
    elif not (-12 <= low <= 12 and -12 <= high <= 12) or low >= high:
        errors.add(path, f"hour angles must satisfy -12 <= start < end <= 12, got {text!r}")
        return None
    return (float(low), float(high))


def _coordinate(text: str, path: str, errors: _Errors, *, ra: bool) -> float | None:
    if not text:
        errors.add(path, "missing")
        return None
    try:
        angle = Angle(text, unit=u.hourangle if ra else u.deg)
    except Exception as exc:  # astropy raises several error types for bad sexagesimal text
        errors.add(path, f"cannot parse {text!r} as {'RA (hh:mm:ss)' if ra else 'Dec (dd:mm:ss)'}: {exc}")
        return None
    deg = float(angle.deg)
    if ra and not 0 <= deg < 360:
        errors.add(path, f"RA out of range 0-24 h: {text!r}")
        return None
    if not ra and not -90 <= deg <= 90:
        errors.add(path, f"Dec out of range -90..+90 deg: {text!r}")
        return None
    return deg


def _target(conf: Any, index: int, errors: _Errors) -> ObTarget | None:
    base = f"observationConfiguration[{index}]"
    if not isinstance(conf, Mapping):
        errors.add(base, "expected an object")
        return None
    ident = _as_str(conf.get("id"))
    if not ident:
        errors.add(f"{base}.id", "missing")
    kind = _as_str(conf.get("type")).upper()
    if kind not in TARGET_KINDS:
        errors.add(f"{base}.type", f"must be SCIENCE or CALIBRATION, got {kind or 'nothing'!r}")
    sc = conf.get("SCTarget")
    if not isinstance(sc, Mapping):
        errors.add(f"{base}.SCTarget", "missing target")
        return None
    tp = f"{base}.SCTarget"
    name = _as_str(sc.get("name"))
    if not name:
        errors.add(f"{tp}.name", "missing")
    ra = _coordinate(_as_str(sc.get("RA")), f"{tp}.RA", errors, ra=True)
    dec = _coordinate(_as_str(sc.get("DEC")), f"{tp}.DEC", errors, ra=False)
    equinox = _number(sc.get("EQUINOX"), f"{tp}.EQUINOX", errors)
    if equinox is not None and abs(equinox - 2000.0) > 1e-6:
        errors.add(f"{tp}.EQUINOX", f"only J2000 coordinates are accepted, got {equinox}")
    fluxes = {}
    for key, value in sc.items():
        if key.startswith(FLUX_PREFIX):
            mag = _number(value, f"{tp}.{key}", errors)
            if mag is not None:
                fluxes[key[len(FLUX_PREFIX):]] = mag
    diameter = _number(sc.get("DIAMETER"), f"{tp}.DIAMETER", errors)
    if kind == "CALIBRATION":
        if diameter is None and f"{tp}.DIAMETER" not in errors:
            errors.add(f"{tp}.DIAMETER", "a calibrator needs its angular diameter (mas)")
        elif diameter is not None and not 0 < diameter < 100:
            errors.add(f"{tp}.DIAMETER", f"diameter must be in (0, 100) mas, got {diameter}")
    constraints = conf.get("observationConstraints") or {}
    if not isinstance(constraints, Mapping):
        constraints = {}
    ha = [_interval(_as_str(t), f"{base}.observationConstraints.HAinterval[{i}]", errors, lst=False)
          for i, t in enumerate(_as_list(constraints.get("HAinterval")))]
    lst = [_interval(_as_str(t), f"{base}.observationConstraints.LSTinterval[{i}]", errors, lst=True)
           for i, t in enumerate(_as_list(constraints.get("LSTinterval")))]
    ha = [h for h in ha if h]
    lst = [v for v in lst if v]
    numbers = {k: _number(sc.get(src), f"{tp}.{src}", errors)
               for k, src in (("pm_ra", "PMRA"), ("pm_dec", "PMDEC"), ("parallax", "PARALLAX"))}
    if ra is None or dec is None or not name or kind not in TARGET_KINDS:
        return None
    return ObTarget(
        id=ident, name=name, kind=kind, ra_deg=ra, dec_deg=dec, **numbers, fluxes=fluxes,
        spectral_type=_as_str(sc.get("SPECTYP")), object_types=_as_str(sc.get("OBJTYP")),
        identifiers=_as_str(sc.get("IDS")), diameter=diameter,
        ha_interval=ha[0] if ha else None, lst_interval=lst[0] if lst else None,
        ha_intervals=ha, lst_intervals=lst,
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_characters(obj: Any, path: str = "") -> list[str]:
    """Field paths whose text holds control characters (NUL...): no database or file format wants them."""
    if isinstance(obj, str):
        return [path or "(value)"] if _CONTROL.search(obj) else []
    if isinstance(obj, Mapping):
        return [p for k, v in obj.items() for p in _control_characters(v, f"{path}.{k}" if path else str(k))]
    if isinstance(obj, list | tuple):
        return [p for i, v in enumerate(obj) for p in _control_characters(v, f"{path}[{i}]")]
    return []


def parse_ob(payload: dict, *, extra_modes: Mapping[str, tuple[str, ...] | list[str]] | None = None,
             stations: tuple[str, ...] = CHARA_STATIONS) -> ObDefinition:
    """Validate an a2p2 OB dict; raise ObFormatError naming every bad field."""
    if not isinstance(payload, Mapping):
        raise ObFormatError({"": "the OB must be a JSON object as a2p2's OB.as_dict() sends it"})
    bad_text = _control_characters(payload)
    if bad_text:
        raise ObFormatError({p: "contains control characters (e.g. NUL); remove them" for p in bad_text[:50]})
    errors = _Errors()
    modes = {**CHARA_MODES, **{k: tuple(v) for k, v in (extra_modes or {}).items()}}
    name = _as_str(payload.get("name"))
    if not name:
        errors.add("name", "missing")
    ic = payload.get("interferometerConfiguration")
    ic = ic if isinstance(ic, Mapping) else {}
    interferometer = _as_str(ic.get("name"))
    if interferometer.upper() != "CHARA":
        errors.add("interferometerConfiguration.name",
                   f"this server queues OBs for the CHARA Array only, got {interferometer or 'nothing'!r}"
                   + (" (send VLTI OBs to ESO P2 with a2p2's VLTI facility)" if interferometer.upper() == "VLTI"
                      else ""))
    station_list = _as_str(ic.get("stations")).replace(",", " ").replace("-", " ").split()
    if not station_list:
        errors.add("interferometerConfiguration.stations", "missing")
    unknown = [s for s in station_list if s not in stations]
    if unknown:
        errors.add("interferometerConfiguration.stations",
                   f"unknown station(s) {', '.join(unknown)}; known: {' '.join(stations)}")
    elif len(set(station_list)) != len(station_list):
        errors.add("interferometerConfiguration.stations", "a station is listed twice")
    inc = payload.get("instrumentConfiguration")
    inc = inc if isinstance(inc, Mapping) else {}
    instrument = _as_str(inc.get("name"))
    mode = _as_str(inc.get("instrumentMode"))
    if instrument not in modes:
        errors.add("instrumentConfiguration.name",
                   f"unknown CHARA instrument {instrument or 'nothing'!r}; known: {', '.join(modes)}")
    elif mode not in modes[instrument]:
        errors.add("instrumentConfiguration.instrumentMode",
                   f"unknown {instrument} mode {mode or 'nothing'!r}; known: {', '.join(modes[instrument])}")
    confs = _as_list(payload.get("observationConfiguration"))
    if not confs:
        errors.add("observationConfiguration", "no target in the OB")
    targets = [t for t in (_target(c, i, errors) for i, c in enumerate(confs)) if t]
    ids = [_as_str(c.get("id")) for c in confs if isinstance(c, Mapping)]
    if len(set(ids)) != len(ids):
        errors.add("observationConfiguration", "two observationConfiguration share the same id")
    kinds = [_as_str(c.get("type")).upper() for c in confs if isinstance(c, Mapping)]
    if confs and "SCIENCE" not in kinds:
        errors.add("observationConfiguration", "at least one SCIENCE target is required")
    schedule = []
    sched = payload.get("observationSchedule")
    refs = _as_list(sched.get("OB")) if isinstance(sched, Mapping) else []
    for i, ref in enumerate(refs):
        value = _as_str(ref.get("ref") if isinstance(ref, Mapping) else ref)
        if value not in ids:
            errors.add(f"observationSchedule.OB[{i}].ref",
                       f"{value or 'nothing'!r} is not the id of any observationConfiguration")
        schedule.append(value)
    if errors:
        raise ObFormatError(dict(errors))
    return ObDefinition(
        name=name, interferometer=interferometer.upper(), instrument=instrument, mode=mode,
        stations=station_list, targets=targets, schedule=schedule or [t.id for t in targets],
        interferometer_version=_as_str(ic.get("version")), pops=_as_str(ic.get("pops")),
        channels=_as_str(ic.get("channels")), schema_version=_as_str(payload.get("schemaVersion")),
    )


def _fmt(value: float | None) -> str | None:
    return None if value is None else format(value, "g") if abs(value) < 1e6 else repr(value)


def definition_to_payload(definition: ObDefinition) -> dict:
    """The a2p2 dict for a definition (used to write obxml from a planner's definition)."""
    confs = []
    for t in definition.targets:
        ra = Angle(t.ra_deg, unit=u.deg).to_string(unit=u.hourangle, sep=":", precision=4, pad=True)
        dec = Angle(t.dec_deg, unit=u.deg).to_string(unit=u.deg, sep=":", precision=3, pad=True, alwayssign=True)
        sc: dict[str, Any] = {"name": t.name, "RA": ra, "DEC": dec, "EQUINOX": "2000.0"}
        for key, value in (("PMRA", t.pm_ra), ("PMDEC", t.pm_dec), ("PARALLAX", t.parallax)):
            if value is not None:
                sc[key] = _fmt(value)
        for key, value in (("IDS", t.identifiers), ("OBJTYP", t.object_types), ("SPECTYP", t.spectral_type)):
            if value:
                sc[key] = value
        for band, mag in t.fluxes.items():
            sc[FLUX_PREFIX + band] = _fmt(mag)
        if t.diameter is not None:
            sc["DIAMETER"] = _fmt(t.diameter)
        constraints = {}
        if t.ha_intervals:
            constraints["HAinterval"] = [f"{lo:.2f}/{hi:.2f}" for lo, hi in t.ha_intervals]
        if t.lst_intervals:
            constraints["LSTinterval"] = [
                "/".join(Angle(h, unit=u.hourangle).wrap_at(24 * u.hourangle).to_string(
                    unit=u.hourangle, sep=":", fields=2, pad=True) for h in iv) for iv in t.lst_intervals]
        conf: dict[str, Any] = {"type": t.kind, "SCTarget": sc}
        if constraints:
            conf["observationConstraints"] = constraints
        conf["id"] = t.id
        confs.append(conf)
    payload: dict[str, Any] = {}
    if definition.schema_version:
        payload["schemaVersion"] = definition.schema_version
    payload["name"] = definition.name
    ic = {"name": definition.interferometer, "version": definition.interferometer_version or None,
          "stations": " ".join(definition.stations), "pops": definition.pops or None,
          "channels": definition.channels or None}
    payload["interferometerConfiguration"] = {k: v for k, v in ic.items() if v is not None}
    payload["instrumentConfiguration"] = {"name": definition.instrument, "instrumentMode": definition.mode}
    payload["observationConfiguration"] = confs
    visits = [{"ref": ref} for ref in definition.schedule]
    # a2p2 reads a single <OB> as an object, several as a list: mirror it so the round trip is equal.
    payload["observationSchedule"] = {"OB": visits[0] if len(visits) == 1 else visits}
    return payload


def ob_to_obxml(ob: ObDefinition | dict) -> str:
    """Aspro2 obxml text for a definition or an a2p2 dict; a2p2's OB() reads it back equal."""
    payload = definition_to_payload(ob) if isinstance(ob, ObDefinition) else ob
    return payload_to_obxml(payload)


def survey_instruments(instrument: str, mode: str = "") -> tuple[str, ...]:
    """Survey/observation instrument names for an Aspro2 instrument (MIRCX-MYSTIC: by band of the mode)."""
    if instrument == "MIRCX-MYSTIC":
        if mode.endswith("_K"):
            return ("MYSTIC",)
        return ("MIRC-X",) if mode else ("MIRC-X", "MYSTIC")
    return (instrument,)


def definition_as_json(definition: ObDefinition) -> dict:
    """Plain JSON-able view of a definition (for API answers and the planner)."""
    return asdict(definition)
