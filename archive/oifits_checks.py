"""OIFITS v1/v2 checker: `check_oifits(path) -> Report`; never raises on bad input.

Pure module (no Django). The rule set (ids, severities, the standard's sections, the matching
JMMC OITools rules) is `oifits_rules.RULES`; the spec tables are `oifits_spec.py`; the checks on
data tables are `oifits_check_data.py`. "error" = the file cannot be used as is or violates the
standard where readers would go wrong; "warning" = non-conformance readers survive; "info" =
worth knowing.
"""
from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.io import fits

from archive import oifits_spec as spec
from archive.oifits_check_data import corr_table, data_table, repeat
from archive.oifits_rules import ERROR, INFO, RULES, SEVERITIES, WARNING, Problem, Report

__all__ = ["ERROR", "INFO", "RULES", "SEVERITIES", "WARNING", "Problem", "Report", "check_hdulist", "check_oifits"]


def check_oifits(path: str | Path) -> Report:
    """Open and check one file; unreadable, truncated or non-FITS files give an error problem."""
    report = Report(path=str(path))
    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with fits.open(path, memmap=False) as hdul:
                hdul.readall()
                for hdu in hdul:  # force the data to load: truncated tables fail here
                    if hdu.data is not None:
                        _ = hdu.data[:0] if hdu.is_image else len(hdu.data)
                truncated = [w for w in caught if "truncat" in str(w.message).lower()]
                if truncated:
                    report.add("truncated", f"file is truncated: {truncated[0].message}")
                    return report
                size = Path(path).stat().st_size
                if size % 2880:
                    report.add("truncated", f"file size {size} is not a multiple of 2880 bytes: "
                               "the file was cut (or has trailing bytes)")
                check_hdulist(hdul, report)
    except FileNotFoundError:
        report.add("not-found", f"no such file: {path}")
    except Exception as exc:  # noqa: BLE001 - any failure to read is a finding, not a crash
        hints = [str(exc), *(str(w.message) for w in caught)]
        code = "truncated" if any("truncat" in h.lower() for h in hints) or isinstance(exc, EOFError) else "not-fits"
        report.add(code, f"cannot read as FITS: {type(exc).__name__}: {exc}")
    return report


def check_hdulist(hdul: fits.HDUList, report: Report | None = None) -> Report:
    """Check an opened HDU list (used by `check_oifits` and by callers that already opened the file)."""
    report = report or Report(path=getattr(hdul, "filename", lambda: "")() or "<memory>")
    try:
        _Checker(hdul, report).run()
    except Exception as exc:  # noqa: BLE001 - a checker bug must not hide the file from the archive
        report.add("checker-failure", f"could not finish checking: {type(exc).__name__}: {exc}")
    return report


def _label(hdu, index: int) -> str:
    return f"{hdu.name}#{index}"


class _Checker:
    """Structure and reference tables here; each data table goes to `oifits_check_data.data_table`."""

    def __init__(self, hdul: fits.HDUList, report: Report):
        self.hdul, self.r = hdul, report
        self.tables = [(i, h) for i, h in enumerate(hdul) if i > 0 and h.name.startswith("OI_")
                       and isinstance(h, fits.BinTableHDU)]
        self.waves: dict[str, int] = {}
        self.arrays: dict[str, set[int]] = {}
        self.target_ids: set[int] = set()
        self.corrs: dict[str, int] = {}  # CORRNAME -> NDATA

    def by_name(self, name: str) -> list[tuple[int, fits.BinTableHDU]]:
        return [(i, h) for i, h in self.tables if h.name == name]

    def run(self) -> None:
        r = self.r
        if not self.tables:
            r.add("no-oi-tables", "no OI_* binary table: not an OIFITS file")
            return
        self.version()
        for name in ("OI_TARGET", "OI_WAVELENGTH"):
            if not self.by_name(name):
                r.add("missing-table", f"mandatory table {name} is missing", hdu=name)
        if not any(self.by_name(n) for n in spec.DATA_TABLES):
            r.add("missing-table", "no data table (OI_VIS, OI_VIS2, OI_T3 or OI_FLUX)")
        if not self.by_name("OI_ARRAY"):
            r.add("missing-oi-array", "no OI_ARRAY table: stations cannot be resolved", hdu="OI_ARRAY",
                  severity=ERROR if r.version == 2 else INFO)
        for index, hdu in self.tables:
            if hdu.name in spec.COLUMNS:
                self.columns(index, hdu)
        self.targets()
        self.wavelengths()
        self.arrays_()
        for index, hdu in self.by_name("OI_CORR"):
            corr_table(self, _label(hdu, index), hdu)
        rows: Counter = Counter()
        for index, hdu in self.tables:
            if hdu.name in spec.DATA_TABLES:
                data_table(self, _label(hdu, index), hdu, rows)
        self.summary()

    # -- structure -----------------------------------------------------------
    def version(self) -> None:
        primary = self.hdul[0].header
        revs = {int(h.header["OI_REVN"]) for _, h in self.tables if str(h.header.get("OI_REVN", "")).isdigit()
                and h.name not in spec.V2_NEW_TABLES}  # tables new in OIFITS 2 are at their revision 1
        for lab in [_label(h, i) for i, h in self.tables if "OI_REVN" not in h.header]:
            self.r.add("missing-keyword", "OI_REVN is missing", hdu=lab, column="OI_REVN")
        content = str(primary.get("CONTENT", "")).strip().upper()
        self.r.version = 2 if content == "OIFITS2" or max(revs, default=1) >= 2 else 1
        if len(revs) > 1:
            self.r.add("mixed-revisions", f"tables declare OI_REVN {sorted(revs)}")
        if self.r.version == 2:
            absent = [k for k in spec.PRIMARY_V2 if k not in primary or str(primary[k]).strip() == ""]
            if absent:
                self.r.add("primary-keywords", f"OIFITS2 primary header lacks {', '.join(absent)}", hdu="PRIMARY")
            if content != "OIFITS2":
                self.r.add("content-keyword", "tables are OI_REVN 2 but CONTENT is not 'OIFITS2'",
                           hdu="PRIMARY", column="CONTENT")

    def columns(self, index: int, hdu) -> None:
        lab, names = _label(hdu, index), set(hdu.columns.names)
        rev = self.r.version or 1
        for key, since in spec.HEADER_KEYWORDS.get(hdu.name, ()):
            if since <= rev and str(hdu.header.get(key, "")).strip() == "":
                naming = key == "INSNAME" or (hdu.name == "OI_ARRAY" and key == "ARRNAME")
                self.r.add("missing-keyword", f"header keyword {key} is missing", hdu=lab, column=key,
                           severity=ERROR if naming else WARNING)
        aliases = spec.COLUMN_ALIASES.get(hdu.name, {})
        for col in spec.COLUMNS[hdu.name]:
            name = col.name
            if name not in names and aliases.get(name) in names:
                name = aliases[name]
                self.r.add("column-alias", f"column {name} read as {col.name}", lab, name)
            if name not in names:
                if col.since <= rev:
                    self.r.add("missing-column", f"mandatory column {col.name} is missing", lab, col.name,
                               severity=WARNING if col.since == 2 else ERROR)
                continue
            if col.unit:
                self.unit(lab, hdu.columns[name], col.unit)
            if isinstance(col.width, int) and repeat(hdu, name) != col.width:
                self.r.add("wrong-shape", f"{name} has {repeat(hdu, name)} values per row, expected {col.width}",
                           lab, name)

    def unit(self, lab: str, column, expected: str) -> None:
        unit = (column.unit or "").strip()
        if not unit:
            self.r.add("missing-unit", f"no unit given, {expected} assumed", lab, column.name)
            return
        alias = spec.UNIT_ALIASES.get(unit.lower(), unit)
        try:
            have, want = u.Unit(alias, format="fits" if alias == unit else None), u.Unit(expected)
        except ValueError:
            try:
                have, want = u.Unit(alias), u.Unit(expected)
            except ValueError:
                self.r.add("bad-unit", f"unit {unit!r} is not understood, {expected} assumed", lab, column.name)
                return
        if have == want:
            if alias != unit:
                self.r.add("unit-alias", f"unit {unit!r} read as {expected}", lab, column.name)
            return
        if have.is_equivalent(want):
            self.r.add("wrong-unit", f"unit {unit!r} differs in scale from {expected}: values would be "
                       f"misread by a factor {have.to(want):g}", lab, column.name)
        else:
            self.r.add("wrong-unit", f"unit {unit!r} is not a {expected} quantity", lab, column.name)

    # -- reference tables ----------------------------------------------------
    def targets(self) -> None:
        if len(self.by_name("OI_TARGET")) > 1:
            self.r.add("multiple-oi-target", f"{len(self.by_name('OI_TARGET'))} OI_TARGET tables", hdu="OI_TARGET")
        for index, hdu in self.by_name("OI_TARGET"):
            lab, data, names = _label(hdu, index), hdu.data, set(hdu.columns.names)
            if data is None or "TARGET_ID" not in names:
                continue
            ids = [int(x) for x in data["TARGET_ID"]]
            for tid, n in Counter(ids).items():
                if n > 1:
                    self.r.add("duplicate-target-id", f"TARGET_ID {tid} appears {n} times", lab, "TARGET_ID")
            if any(t < 1 for t in ids):
                self.r.add("target-id-range", f"TARGET_ID {min(ids)} < 1", lab, "TARGET_ID")
            self.target_ids |= set(ids)
            if "TARGET" in names and any(not str(name).strip() for name in data["TARGET"]):
                self.r.add("empty-target-name", "a target has an empty name", lab, "TARGET")
            twice = sorted(n for n, k in Counter(str(t).strip() for t in data["TARGET"]).items() if k > 1 and n) \
                if "TARGET" in names else []
            if twice:
                self.r.add("duplicate-target-name", f"TARGET {twice} appear more than once", lab, "TARGET")
            if {"RAEP0", "DECEP0"} <= names:
                zero = (np.asarray(data["RAEP0"], float) == 0) & (np.asarray(data["DECEP0"], float) == 0)
                if zero.any():
                    self.r.add("target-coord-zero", f"{int(zero.sum())} target(s) at RA = Dec = 0", lab, "RAEP0")

    def wavelengths(self) -> None:
        for index, hdu in self.by_name("OI_WAVELENGTH"):
            lab, name = _label(hdu, index), str(hdu.header.get("INSNAME", "")).strip()
            if name in self.waves:
                self.r.add("duplicate-insname", f"INSNAME {name!r} defined twice", lab, "INSNAME")
            n = len(hdu.data) if hdu.data is not None else 0
            self.waves[name] = n
            if n == 0:
                self.r.add("empty-table", "no spectral channel", lab)
            elif "EFF_WAVE" in hdu.columns.names:
                wave = np.asarray(hdu.data["EFF_WAVE"], dtype=float)
                inside = np.isfinite(wave) & (wave >= spec.EFF_WAVE_MIN) & (wave <= spec.EFF_WAVE_MAX)
                if not inside.all():
                    self.r.add("wavelength-range", "EFF_WAVE not finite or outside 0.1-20 µm (unit or value wrong)",
                               lab, "EFF_WAVE")

    def arrays_(self) -> None:
        for index, hdu in self.by_name("OI_ARRAY"):
            lab, name = _label(hdu, index), str(hdu.header.get("ARRNAME", "")).strip()
            if name in self.arrays:
                self.r.add("duplicate-arrname", f"ARRNAME {name!r} defined twice", lab, "ARRNAME")
            idx = [int(x) for x in hdu.data["STA_INDEX"]] if "STA_INDEX" in hdu.columns.names else []
            for sta, n in Counter(idx).items():
                if n > 1:
                    self.r.add("duplicate-sta-index", f"STA_INDEX {sta} appears {n} times", lab, "STA_INDEX")
            if idx and min(idx) < 1:
                self.r.add("sta-index-min", f"STA_INDEX {min(idx)} < 1", lab, "STA_INDEX")
            if "STA_NAME" in hdu.columns.names:
                sta = [str(s).strip() for s in hdu.data["STA_NAME"]]
                if not all(sta) or len(set(sta)) != len(sta):
                    self.r.add("sta-name", f"STA_NAME empty or repeated: {sta}", lab, "STA_NAME")
            xyz = [hdu.header.get(k) for k in ("ARRAYX", "ARRAYY", "ARRAYZ")]
            if all(isinstance(v, int | float) for v in xyz) and not np.hypot.reduce(np.array(xyz, float)) > 6.35e6:
                self.r.add("array-xyz", f"ARRAYX/Y/Z = {xyz} is not a point on Earth", lab, "ARRAYX")
            self.arrays[name] = set(idx)

    def summary(self) -> None:
        s: dict = {"instrument": str(self.hdul[0].header.get("INSTRUME", "")).strip(),
                   "insnames": sorted(self.waves), "arrnames": sorted(self.arrays)}
        targets: list[str] = []
        for _, hdu in self.by_name("OI_TARGET"):
            if "TARGET" in hdu.columns.names:
                targets += [str(t).strip() for t in hdu.data["TARGET"]]
        s["targets"] = targets
        waves = [np.asarray(h.data["EFF_WAVE"], float) for _, h in self.by_name("OI_WAVELENGTH")
                 if h.data is not None and "EFF_WAVE" in h.columns.names and len(h.data)]
        if waves:
            s["wave_min"], s["wave_max"] = float(min(w.min() for w in waves)), float(max(w.max() for w in waves))
            s["nb_channels"] = int(max(len(w) for w in waves))
        mjds = [np.asarray(h.data["MJD"], float) for _, h in self.tables if h.name in spec.DATA_TABLES
                and h.data is not None and "MJD" in h.columns.names and len(h.data)]
        mjds = [m[np.isfinite(m)] for m in mjds]
        if any(len(m) for m in mjds):
            s["mjd_min"] = float(min(m.min() for m in mjds if len(m)))
            s["mjd_max"] = float(max(m.max() for m in mjds if len(m)))
        for name in spec.DATA_TABLES:
            s[f"nb_{name[3:].lower()}"] = int(sum(len(h.data) for _, h in self.by_name(name) if h.data is not None))
        self.r.summary = s


