"""Keyword consolidation: a raw header in, a complete header and a report out.

Pure (no Django, no file I/O). What the OB server knows about the OB that was
executing at that time on that instrument comes in as an `ObContext`; the
catalogue positions of the stars named in it come in `positions`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import astropy.units as u
from astropy.coordinates import SkyCoord
from astropy.time import Time

from domain.instruments import CALIBRATION, SCIENCE, InstrumentSpec, is_placeholder, normalize_instrument

MAX_SEPARATION_ARCSEC = 60.0
MAX_DATE_MISMATCH_S = 2.0


@dataclass(frozen=True)
class ObContext:
    """The executed OB that covers a file's time (from surveys.Observation / obs_server.ObservingBlock)."""

    source: str  # e.g. "Observation 12 (OB 5)"
    target: str
    program: str
    mode: str = ""
    stations: str = ""
    r0: float | None = None
    tau0: float | None = None
    calibrators: tuple[str, ...] = ()
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)  # name -> (ra, dec) deg


@dataclass
class Consolidation:
    header: dict[str, Any]
    changes: list[dict[str, Any]]
    report: dict[str, Any]

    @property
    def history(self) -> list[str]:
        """One FITS HISTORY line per change."""
        return [f"ISSP consolidation: {c['keyword']} = {c['value']!r} ({c['from']})" for c in self.changes]


def same_name(a: Any, b: Any) -> bool:
    """Star names compared without case, spaces, underscores or dashes (HD 1234 == HD_1234)."""
    def norm(x: Any) -> str:
        return "".join(ch for ch in str(x or "").upper() if ch.isalnum())
    return bool(norm(a)) and norm(a) == norm(b)


def _coerce(value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().upper()
        if text in {"T", "TRUE", "1", "Y", "YES"}:
            return True
        if text in {"F", "FALSE", "0", "N", "NO"}:
            return False
        raise ValueError(f"not a boolean: {value!r}")
    if kind is float:
        if isinstance(value, bool):
            raise ValueError(f"not a number: {value!r}")
        number = float(value)
        if not math.isfinite(number):  # NaN/inf cannot be written to a FITS header
            raise ValueError(f"not a finite number: {value!r}")
        return number
    return str(value).strip()


def _position(ctx: ObContext | None, name: Any) -> tuple[float, float] | None:
    if ctx is None:
        return None
    for known, pos in ctx.positions.items():
        if same_name(known, name):
            return pos
    return None


def _role_from_ob(header: dict, ctx: ObContext | None, spec: InstrumentSpec) -> tuple[str | None, str]:
    obj = header.get("OBJECT") or header.get(spec.target_keyword)
    if ctx is None or not obj:
        return None, ""
    if same_name(obj, ctx.target):
        return SCIENCE, f"OBJECT is the target of {ctx.source}"
    if any(same_name(obj, c) for c in ctx.calibrators):
        return CALIBRATION, f"OBJECT is a calibrator of {ctx.source}"
    return None, ""


def _derive(rule: str, key: str, header: dict, spec: InstrumentSpec, ctx: ObContext | None) -> tuple[Any, str]:
    """Value and origin for a missing keyword, or (None, "") when this rule cannot apply."""
    if rule == "instrument":
        return spec.name, "instrument registry"
    if rule == "date_from_mjd" and header.get("MJD-OBS") is not None:
        try:
            return Time(header["MJD-OBS"], format="mjd", scale="utc").isot, "MJD-OBS"
        except (TypeError, ValueError):
            raise ValueError(f"unreadable MJD-OBS {header['MJD-OBS']!r}") from None
    if rule == "mjd_from_date":
        for src in ("DATE-OBS", spec.start_keyword):
            if header.get(src):
                try:
                    return round(float(Time(header[src], scale="utc").mjd), 8), src
                except (TypeError, ValueError):
                    raise ValueError(f"unreadable {src} {header[src]!r} (not an ISO date)") from None
    if rule == "tpl_from_date" and header.get("DATE-OBS"):
        return str(header["DATE-OBS"])[:19], "DATE-OBS"
    if rule.startswith("copy:") and header.get(rule[5:]) is not None:
        return header[rule[5:]], rule[5:]
    if rule in ("ob:ra", "ob:dec"):
        pos = _position(ctx, header.get("OBJECT"))
        if pos is None:
            return None, ""
        return round(pos[0 if rule == "ob:ra" else 1], 6), f"catalogue position of {header['OBJECT']}"
    if rule.startswith("ob:") and ctx is not None and ctx.source:
        what = rule[3:]
        if what == "role":
            role, why = _role_from_ob(header, ctx, spec)
            return (spec.role_value(role), why) if role else (None, "")
        if what == "target":
            role = spec.role_of(header)
            if role == CALIBRATION:
                return (ctx.calibrators[0], ctx.source) if len(ctx.calibrators) == 1 else (None, "")
            return ctx.target, ctx.source
        value = {"program": ctx.program, "mode": ctx.mode, "stations": ctx.stations, "r0": ctx.r0,
                 "tau0": ctx.tau0}.get(what)
        return (value, ctx.source) if value not in (None, "") else (None, "")
    return None, ""


def consolidate(raw: dict[str, Any], spec: InstrumentSpec, ctx: ObContext | None = None) -> Consolidation:
    """Complete a raw header per the instrument's keyword dictionary and report on it."""
    header = dict(raw)
    report: dict[str, Any] = {"instrument": spec.name, "ob": ctx.source if ctx else None, "missing": [],
                              "derived": [], "inconsistent": [], "placeholders": [], "normalized": []}
    changes: list[dict[str, Any]] = []
    if header.get("INSTRUME") is not None and str(header["INSTRUME"]).strip() != spec.name \
            and normalize_instrument(header["INSTRUME"]) == spec.name:
        changes.append({"keyword": "INSTRUME", "value": spec.name, "from": f"normalized from {header['INSTRUME']!r}"})
        report["normalized"].append({"keyword": "INSTRUME", "was": header["INSTRUME"], "value": spec.name})
        header["INSTRUME"] = spec.name
    for kw in spec.keywords:
        if kw.name not in header:
            continue
        value = header[kw.name]
        if is_placeholder(value):
            report["placeholders"].append({"keyword": kw.name, "value": value})
            del header[kw.name]
            continue
        try:
            header[kw.name] = _coerce(value, kw.type)
        except (TypeError, ValueError, OverflowError):
            kind = "finite number" if kw.type is float else kw.type.__name__
            report["inconsistent"].append({"keyword": kw.name, "message": f"{value!r} is not a {kind}"})
            del header[kw.name]
    for _ in range(3):  # derivations feed each other (MJD -> DATE -> TPL START, OBJECT -> RA/DEC)
        for kw in spec.keywords:
            if kw.name in header:
                continue
            for rule in kw.derive:
                try:
                    value, origin = _derive(rule, kw.name, header, spec, ctx)
                    value = None if value is None else _coerce(value, kw.type)
                except (TypeError, ValueError, OverflowError) as exc:  # unreadable source value: report it
                    _report_once(report, kw.name, f"cannot derive {kw.name} ({rule}): {str(exc).splitlines()[0]}")
                    continue
                if value is not None:
                    header[kw.name] = value
                    changes.append({"keyword": kw.name, "value": header[kw.name], "from": origin})
                    report["derived"].append({"keyword": kw.name, "value": header[kw.name], "from": origin})
                    break
    report["missing"] = [k.name for k in spec.keywords if k.required and k.name not in header]
    report["inconsistent"] += _inconsistencies(raw, header, spec, ctx)
    report["role"] = spec.role_of(header)
    report["complete"] = not report["missing"]
    return Consolidation(header=header, changes=changes, report=report)


def _report_once(report: dict, keyword: str, message: str) -> None:
    if not any(i["keyword"] == keyword and i["message"] == message for i in report["inconsistent"]):
        report["inconsistent"].append({"keyword": keyword, "message": message})


def _inconsistencies(raw: dict, header: dict, spec: InstrumentSpec, ctx: ObContext | None) -> list[dict]:
    found = []
    obj = header.get("OBJECT")
    tkw = spec.target_keyword
    if tkw != "OBJECT" and obj and header.get(tkw) and not same_name(obj, header[tkw]):
        found.append({"keyword": tkw, "message": f"OBJECT {obj!r} but {tkw} {header[tkw]!r}"})
    role = spec.role_of(header)
    if ctx is not None and ctx.source and obj:
        if role == SCIENCE and not same_name(obj, ctx.target):
            found.append({"keyword": "OBJECT",
                          "message": f"OBJECT {obj!r} but {ctx.source} observed target {ctx.target!r}"})
        if role == CALIBRATION and ctx.calibrators and not any(same_name(obj, c) for c in ctx.calibrators):
            found.append({"keyword": "OBJECT", "message": f"calibrator {obj!r} is not among the calibrators "
                                                          f"of {ctx.source} ({', '.join(ctx.calibrators)})"})
        if header.get("PROG_ID") and ctx.program and header["PROG_ID"] != ctx.program:
            found.append({"keyword": "PROG_ID",
                          "message": f"PROG_ID {header['PROG_ID']!r} but {ctx.source} belongs to {ctx.program!r}"})
    pos = _position(ctx, obj)
    if pos is not None and header.get("RA") is not None and header.get("DEC") is not None:
        try:
            sep = SkyCoord(header["RA"] * u.deg, header["DEC"] * u.deg).separation(
                SkyCoord(pos[0] * u.deg, pos[1] * u.deg)).arcsec
        except ValueError as exc:  # |DEC| > 90 in the header or in the catalogue
            found.append({"keyword": "RA/DEC", "message": f"coordinates out of range: {exc}"})
            sep = 0.0
        if sep > MAX_SEPARATION_ARCSEC:
            found.append({"keyword": "RA/DEC", "separation_arcsec": round(float(sep), 1),
                          "message": f"header coordinates are {sep:.0f} arcsec from the catalogue position "
                                     f"of {obj}"})
    if header.get("MJD-OBS") is not None and header.get("DATE-OBS"):
        try:
            delta = abs(Time(header["DATE-OBS"], scale="utc").mjd - header["MJD-OBS"]) * 86400
        except ValueError:
            found.append({"keyword": "DATE-OBS", "message": f"unreadable date {header['DATE-OBS']!r}"})
        else:
            if delta > MAX_DATE_MISMATCH_S:
                found.append({"keyword": "DATE-OBS", "message": f"DATE-OBS and MJD-OBS differ by {delta:.0f} s"})
    mode = header.get(spec.mode_keyword)
    if mode and mode not in spec.modes:
        found.append({"keyword": spec.mode_keyword, "message": f"mode {mode!r} is not a {spec.name} mode"})
    return found
