"""OIFITS v1/v2 checker: `check_oifits(path) -> Report`; never raises on bad input.

Pure module (no Django). Severities: "error" = the file cannot be used as is
(missing table or column, wrong shapes, dangling INSNAME/ARRNAME/TARGET_ID,
unreadable or truncated file, unflagged NaN); "warning" = non-conformance that
readers survive (missing v2 keywords or columns, odd units, suspicious times,
duplicate rows); "info" = worth knowing (unit aliases, optional table absent).
The spec tables live in `oifits_spec.py`.
"""
from __future__ import annotations

import time
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.time import Time

from archive import oifits_spec as spec

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str
    message: str
    hdu: str | None = None
    column: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    """Machine-readable outcome; `ok` means no error (warnings allowed)."""

    path: str
    version: int | None = None
    problems: list[Problem] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    def add(self, code: str, severity: str, message: str, hdu: str | None = None,
            column: str | None = None) -> None:
        self.problems.append(Problem(code, severity, message, hdu, column))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def infos(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == INFO]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self, severity: str | None = None) -> set[str]:
        return {p.code for p in self.problems if severity is None or p.severity == severity}

    def as_dict(self) -> dict:
        return {"path": self.path, "version": self.version, "ok": self.ok,
                "counts": {s: sum(p.severity == s for p in self.problems) for s in SEVERITIES},
                "problems": [p.as_dict() for p in self.problems], "summary": self.summary}


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
                    report.add("truncated", ERROR, f"file is truncated: {truncated[0].message}")
                    return report
                size = Path(path).stat().st_size
                if size % 2880:
                    report.add("truncated", ERROR, f"file size {size} is not a multiple of 2880 bytes: "
                               "the file was cut (or has trailing bytes)")
                check_hdulist(hdul, report)
    except FileNotFoundError:
        report.add("not-found", ERROR, f"no such file: {path}")
    except Exception as exc:  # noqa: BLE001 - any failure to read is a finding, not a crash
        hints = [str(exc), *(str(w.message) for w in caught)]
        code = "truncated" if any("truncat" in h.lower() for h in hints) or isinstance(exc, EOFError) else "not-fits"
        report.add(code, ERROR, f"cannot read as FITS: {type(exc).__name__}: {exc}")
    return report


def check_hdulist(hdul: fits.HDUList, report: Report | None = None) -> Report:
    """Check an opened HDU list (used by `check_oifits` and by callers that already opened the file)."""
    report = report or Report(path=getattr(hdul, "filename", lambda: "")() or "<memory>")
    try:
        _Checker(hdul, report).run()
    except Exception as exc:  # noqa: BLE001 - a checker bug must not hide the file from the archive
        report.add("checker-failure", ERROR, f"could not finish checking: {type(exc).__name__}: {exc}")
    return report


def _label(hdu, index: int) -> str:
    return f"{hdu.name}#{index}"


class _Checker:
    def __init__(self, hdul: fits.HDUList, report: Report):
        self.hdul, self.r = hdul, report
        self.tables = [(i, h) for i, h in enumerate(hdul) if i > 0 and h.name.startswith("OI_")
                       and isinstance(h, fits.BinTableHDU)]
        self.waves: dict[str, int] = {}
        self.arrays: dict[str, set[int]] = {}
        self.target_ids: set[int] = set()

    def by_name(self, name: str) -> list[tuple[int, fits.BinTableHDU]]:
        return [(i, h) for i, h in self.tables if h.name == name]

    def run(self) -> None:
        r = self.r
        if not self.tables:
            r.add("no-oi-tables", ERROR, "no OI_* binary table: not an OIFITS file")
            return
        self.version()
        for name in ("OI_TARGET", "OI_WAVELENGTH"):
            if not self.by_name(name):
                r.add("missing-table", ERROR, f"mandatory table {name} is missing", hdu=name)
        if not any(self.by_name(n) for n in spec.DATA_TABLES):
            r.add("missing-table", ERROR, "no data table (OI_VIS, OI_VIS2, OI_T3 or OI_FLUX)")
        if not self.by_name("OI_ARRAY"):
            sev = WARNING if r.version == 2 else INFO
            r.add("missing-table", sev, "no OI_ARRAY table: stations cannot be resolved", hdu="OI_ARRAY")
        for index, hdu in self.tables:
            if hdu.name in spec.COLUMNS:
                self.columns(index, hdu)
        self.targets()
        self.wavelengths()
        self.arrays_()
        rows: Counter = Counter()
        for index, hdu in self.tables:
            if hdu.name in spec.DATA_TABLES:
                self.data_table(index, hdu, rows)
        self.summary()

    # -- structure -----------------------------------------------------------
    def version(self) -> None:
        primary = self.hdul[0].header
        revs = {int(h.header["OI_REVN"]) for _, h in self.tables if str(h.header.get("OI_REVN", "")).isdigit()}
        missing = [_label(h, i) for i, h in self.tables if "OI_REVN" not in h.header]
        for lab in missing:
            self.r.add("missing-keyword", WARNING, "OI_REVN is missing", hdu=lab)
        content = str(primary.get("CONTENT", "")).strip().upper()
        self.r.version = 2 if content == "OIFITS2" or max(revs, default=1) >= 2 else 1
        if len(revs) > 1:
            self.r.add("mixed-revisions", INFO, f"tables declare OI_REVN {sorted(revs)}")
        if self.r.version == 2:
            absent = [k for k in spec.PRIMARY_V2 if k not in primary or str(primary[k]).strip() == ""]
            if absent:
                self.r.add("primary-keywords", WARNING,
                           f"OIFITS2 primary header lacks {', '.join(absent)}", hdu="PRIMARY")
            if content != "OIFITS2":
                self.r.add("content-keyword", WARNING, "tables are OI_REVN 2 but CONTENT is not 'OIFITS2'",
                           hdu="PRIMARY", column="CONTENT")

    def columns(self, index: int, hdu) -> None:
        lab, names = _label(hdu, index), set(hdu.columns.names)
        rev = self.r.version or 1
        for key, since in spec.HEADER_KEYWORDS.get(hdu.name, ()):
            if since <= rev and str(hdu.header.get(key, "")).strip() == "":
                sev = ERROR if key == "INSNAME" else WARNING
                self.r.add("missing-keyword", sev, f"header keyword {key} is missing", hdu=lab, column=key)
        for col in spec.COLUMNS[hdu.name]:
            if col.name not in names:
                if col.since <= rev:
                    sev = WARNING if col.since == 2 else ERROR
                    self.r.add("missing-column", sev, f"mandatory column {col.name} is missing", lab, col.name)
                continue
            if col.unit:
                self.unit(lab, hdu.columns[col.name], col.unit)
            if isinstance(col.width, int) and _repeat(hdu, col.name) != col.width:
                self.r.add("wrong-shape", ERROR,
                           f"{col.name} has {_repeat(hdu, col.name)} values per row, expected {col.width}",
                           lab, col.name)

    def unit(self, lab: str, column, expected: str) -> None:
        unit = (column.unit or "").strip()
        if not unit:
            self.r.add("missing-unit", WARNING, f"no unit given, {expected} assumed", lab, column.name)
            return
        alias = spec.UNIT_ALIASES.get(unit.lower(), unit)
        try:
            have, want = u.Unit(alias, format="fits" if alias == unit else None), u.Unit(expected)
        except ValueError:
            try:
                have, want = u.Unit(alias), u.Unit(expected)
            except ValueError:
                self.r.add("bad-unit", WARNING, f"unit {unit!r} is not understood, {expected} assumed",
                           lab, column.name)
                return
        if have == want:
            if alias != unit:
                self.r.add("unit-alias", INFO, f"unit {unit!r} read as {expected}", lab, column.name)
            return
        if have.is_equivalent(want):
            self.r.add("wrong-unit", ERROR, f"unit {unit!r} differs in scale from {expected}: values would be "
                       f"misread by a factor {have.to(want):g}", lab, column.name)
        else:
            self.r.add("wrong-unit", ERROR, f"unit {unit!r} is not a {expected} quantity", lab, column.name)

    # -- reference tables ----------------------------------------------------
    def targets(self) -> None:
        for index, hdu in self.by_name("OI_TARGET"):
            lab, data = _label(hdu, index), hdu.data
            if data is None or "TARGET_ID" not in hdu.columns.names:
                continue
            ids = [int(x) for x in data["TARGET_ID"]]
            for tid, n in Counter(ids).items():
                if n > 1:
                    self.r.add("duplicate-target-id", ERROR, f"TARGET_ID {tid} appears {n} times", lab, "TARGET_ID")
            if any(t < 1 for t in ids):
                self.r.add("target-id-range", WARNING, "TARGET_ID must be >= 1", lab, "TARGET_ID")
            self.target_ids |= set(ids)
            if "TARGET" in hdu.columns.names:
                for name in data["TARGET"]:
                    if not str(name).strip():
                        self.r.add("empty-target-name", ERROR, "a target has an empty name", lab, "TARGET")

    def wavelengths(self) -> None:
        for index, hdu in self.by_name("OI_WAVELENGTH"):
            lab, name = _label(hdu, index), str(hdu.header.get("INSNAME", "")).strip()
            if name in self.waves:
                self.r.add("duplicate-insname", ERROR, f"INSNAME {name!r} defined twice", lab, "INSNAME")
            n = len(hdu.data) if hdu.data is not None else 0
            self.waves[name] = n
            if n == 0:
                self.r.add("empty-table", ERROR, "no spectral channel", lab)
            elif "EFF_WAVE" in hdu.columns.names:
                wave = np.asarray(hdu.data["EFF_WAVE"], dtype=float)
                if not np.all(np.isfinite(wave)) or np.any(wave < 1e-7) or np.any(wave > 1e-3):
                    self.r.add("wavelength-range", ERROR, "EFF_WAVE outside 0.1 µm - 1 mm (unit or value wrong)",
                               lab, "EFF_WAVE")

    def arrays_(self) -> None:
        for index, hdu in self.by_name("OI_ARRAY"):
            lab, name = _label(hdu, index), str(hdu.header.get("ARRNAME", "")).strip()
            if name in self.arrays:
                self.r.add("duplicate-arrname", ERROR, f"ARRNAME {name!r} defined twice", lab, "ARRNAME")
            idx = [int(x) for x in hdu.data["STA_INDEX"]] if "STA_INDEX" in hdu.columns.names else []
            for sta, n in Counter(idx).items():
                if n > 1:
                    self.r.add("duplicate-sta-index", ERROR, f"STA_INDEX {sta} appears {n} times", lab, "STA_INDEX")
            self.arrays[name] = set(idx)

    # -- data tables ---------------------------------------------------------
    def data_table(self, index: int, hdu, rows: Counter) -> None:
        lab, data, names = _label(hdu, index), hdu.data, set(hdu.columns.names)
        insname = str(hdu.header.get("INSNAME", "")).strip()
        arrname = str(hdu.header.get("ARRNAME", "")).strip()
        nwave = self.waves.get(insname)
        if insname and nwave is None:
            self.r.add("dangling-insname", ERROR, f"INSNAME {insname!r} has no OI_WAVELENGTH table", lab, "INSNAME")
        if arrname and arrname not in self.arrays:
            self.r.add("dangling-arrname", ERROR, f"ARRNAME {arrname!r} has no OI_ARRAY table", lab, "ARRNAME")
        if data is None or len(data) == 0:
            self.r.add("empty-table", WARNING, "table has no rows", lab)
            return
        if nwave is not None:
            wave_cols = [c.name for c in spec.COLUMNS[hdu.name] if c.width == spec.WAVE]
            for name in [*wave_cols, *spec.OPTIONAL_WAVE_COLUMNS.get(hdu.name, ())]:
                if name in names and _repeat(hdu, name) != nwave:
                    self.r.add("wrong-shape", ERROR, f"{name} has {_repeat(hdu, name)} channels but "
                               f"OI_WAVELENGTH {insname!r} has {nwave}", lab, name)
        if "TARGET_ID" in names and self.target_ids:
            dangling = sorted({int(t) for t in data["TARGET_ID"]} - self.target_ids)
            if dangling:
                self.r.add("dangling-target-id", ERROR, f"TARGET_ID {dangling} not in OI_TARGET", lab, "TARGET_ID")
        if "STA_INDEX" in names and arrname in self.arrays and self.arrays[arrname]:
            used = {int(s) for s in np.ravel(data["STA_INDEX"])}
            missing = sorted(used - self.arrays[arrname])
            if missing:
                self.r.add("dangling-sta-index", ERROR, f"STA_INDEX {missing} not in OI_ARRAY {arrname!r}",
                           lab, "STA_INDEX")
        self.times(lab, hdu)
        self.flags(lab, hdu, nwave)
        self.duplicates(lab, hdu, insname, rows)

    def times(self, lab: str, hdu) -> None:
        data, names = hdu.data, set(hdu.columns.names)
        if "MJD" not in names:
            return
        mjd = np.asarray(data["MJD"], dtype=float)
        now = Time(time.time(), format="unix").mjd
        if not np.all(np.isfinite(mjd)) or np.any(mjd <= 0):
            self.r.add("bad-mjd", ERROR, "MJD has NaN, zero or negative values", lab, "MJD")
            return
        if np.any(mjd < spec.MJD_MIN) or np.any(mjd > now + 2):
            self.r.add("mjd-range", WARNING, f"MJD {mjd.min():.3f}-{mjd.max():.3f} is before 1970 or in the future",
                       lab, "MJD")
        date_obs = str(hdu.header.get("DATE-OBS", "")).strip()
        if date_obs:
            try:
                start = Time(date_obs[:10], format="iso", scale="utc").mjd
            except ValueError:
                self.r.add("bad-date-obs", WARNING, f"DATE-OBS {date_obs!r} is not a date", lab, "DATE-OBS")
            else:
                if mjd.min() < start - 1 or mjd.min() > start + 2:
                    self.r.add("date-obs-mismatch", WARNING, f"DATE-OBS {date_obs} but first MJD is "
                               f"{Time(mjd.min(), format='mjd').iso[:16]}", lab, "MJD")
        if "INT_TIME" in names and np.any(np.asarray(data["INT_TIME"], dtype=float) < 0):
            self.r.add("negative-int-time", WARNING, "INT_TIME has negative values", lab, "INT_TIME")

    def flags(self, lab: str, hdu, nwave: int | None) -> None:
        data, names = hdu.data, set(hdu.columns.names)
        if "FLAG" not in names:
            return
        flag = np.asarray(data["FLAG"], dtype=bool).reshape(len(data), -1)
        if flag.all():
            self.r.add("all-flagged", WARNING, "every value is flagged", lab, "FLAG")
        for value, error in spec.DATA_COLUMNS.get(hdu.name, ()):
            for name in (value, error):
                if name not in names:
                    continue
                x = np.asarray(data[name], dtype=float).reshape(len(data), -1)
                if x.shape != flag.shape:
                    continue  # already reported as wrong-shape
                bad = ~np.isfinite(x) & ~flag
                if bad.any():
                    self.r.add("unflagged-nan", ERROR, f"{int(bad.sum())} NaN/inf values with FLAG false",
                               lab, name)
                if name == error and (np.isfinite(x) & (x < 0) & ~flag).any():
                    self.r.add("negative-error", WARNING, f"{name} has negative unflagged values", lab, name)

    def duplicates(self, lab: str, hdu, insname: str, rows: Counter) -> None:
        data, names = hdu.data, set(hdu.columns.names)
        if not {"MJD", "STA_INDEX", "TARGET_ID"} <= names:
            return
        keys = [(hdu.name, insname, int(t), round(float(m), 8), tuple(np.ravel(s).tolist()))
                for t, m, s in zip(data["TARGET_ID"], data["MJD"], data["STA_INDEX"], strict=True)]
        before = sum(rows.values()) - len(rows)
        rows.update(keys)
        n = sum(rows.values()) - len(rows) - before
        if n:
            self.r.add("duplicate-rows", WARNING, f"{n} rows repeat (TARGET_ID, MJD, STA_INDEX) of another row",
                       lab, "MJD")

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


def _repeat(hdu, name: str) -> int:
    """Values per row of a column (from TFORM/TDIM, so a 1-channel file still counts 1)."""
    col = hdu.columns[name]
    dim = getattr(col, "dim", None)
    if dim:
        return int(np.prod([int(x) for x in str(dim).strip("()").split(",")]))
    return int(getattr(col.format, "repeat", 1) or 1)
