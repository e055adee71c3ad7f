"""Catalog imports: JSDC (CSV or VOTable), target lists (CSV) and Aspro2 OB files.

Resolver-free: every value comes from the file. An import is all-or-nothing:
every row is validated, and if one is bad nothing is stored and the report
lists each bad row with its reasons.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.table import Table

from django.db import DataError, IntegrityError, transaction

from domain import ob_format
from domain.errors import ValidationFailed
from surveys.services import calibrator_upsert, target_upsert

# Lower-case column name in the file -> keyword of target_upsert / calibrator_upsert.
COMMON_COLUMNS = {
    "name": "name", "main_id": "name", "star": "name", "target": "name",
    "raj2000": "ra_deg", "_raj2000": "ra_deg", "ra": "ra_deg", "ra_deg": "ra_deg",
    "dej2000": "dec_deg", "_dej2000": "dec_deg", "dec": "dec_deg", "de": "dec_deg", "dec_deg": "dec_deg",
    "pmra": "pm_ra", "pm_ra": "pm_ra", "pmde": "pm_dec", "pmdec": "pm_dec", "pm_dec": "pm_dec",
    "plx": "parallax", "parallax": "parallax",
    "sptype": "spectral_type", "sp_type": "spectral_type", "spectral_type": "spectral_type",
    "otype": "object_types", "object_types": "object_types", "objtyp": "object_types",
    "ids": "identifiers", "identifiers": "identifiers",
}
for _band in "vrijhk":
    for _col in (f"{_band}mag", f"mag_{_band}", f"flux_{_band}", _band):
        COMMON_COLUMNS[_col] = f"mag_{_band}"
JSDC_COLUMNS = {
    "uddr": "udd_r", "e_uddr": "e_udd_r", "uddh": "udd_h", "e_uddh": "e_udd_h", "uddk": "udd_k",
    "e_uddk": "e_udd_k", "ldd": "ldd", "e_ldd": "e_ldd",
}
TARGET_COLUMNS = {"priority": "priority", "priority_pi": "priority", "notes": "notes",
                  "program": "programs", "programs": "programs", "catalog_row_id": "catalog_row_id"}
# Band of the DIAMETER an Aspro2 OB gives a calibrator, per instrument.
OB_DIAMETER_FIELD = {"SPICA": "udd_r", "MIRC-X": "udd_h", "MYSTIC": "udd_k"}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    calibrators: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.created)} created, {len(self.updated)} updated"
                + (f", {len(self.calibrators)} calibrators" if self.calibrators else ""))


def read_table(path: Path | str) -> Table:
    """A CSV or VOTable file as an astropy table (format from the extension)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xml", ".vot", ".votable"):
            return Table.read(path, format="votable")
        if suffix in (".csv", ".txt"):
            n_rows = _csv_precheck(path)
            table = Table.read(path, format="ascii.csv")
            if len(table) != n_rows:
                raise ValidationFailed(f"{path.name}: {n_rows} rows in the file but {len(table)} read",
                                       {"file": "a row is malformed (quotes?): nothing was imported"})
            return table
    except (ValueError, OSError, IndexError) as exc:
        raise ValidationFailed(f"{path.name}: cannot read the table", {"file": str(exc)})
    raise ValidationFailed(f"{path.name}: unknown format", {"file": "expected .csv, .xml, .vot or .votable"})


def _csv_precheck(path: Path) -> int:
    """Refuse what the table reader would silently change (a NUL cuts a name, an unterminated quote
    swallows the rows after it); returns the number of data rows."""
    data = path.read_bytes()
    errors: dict[str, str] = {}
    for number, line in enumerate(data.splitlines(), start=1):
        if b"\x00" in line:
            errors[f"line {number}"] = "contains a NUL character"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"{path.name}: not UTF-8 text", {"file": str(exc)}) from None
    reader = csv.reader(io.StringIO(text.replace("\x00", "")), strict=True)
    rows = 0
    try:
        for row in reader:
            if any("\n" in cell or "\r" in cell for cell in row):
                errors[f"line {reader.line_num}"] = "a quoted field runs over the end of its line (unterminated quote?)"
            if row and any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#"):
                rows += 1
    except csv.Error as exc:
        errors[f"line {reader.line_num}"] = f"unterminated quote or malformed row: {exc}"
    if errors:
        raise ValidationFailed(f"{path.name}: {len(errors)} malformed line(s): nothing was imported", errors)
    return max(0, rows - 1)  # the header line


def _cell(value: Any) -> Any:
    """Plain Python value of a table cell; masked cells become None."""
    if value is None or value is np.ma.masked or np.ma.is_masked(value):
        return None
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


def table_rows(table: Table, mapping: dict[str, str]) -> list[dict[str, Any]]:
    """Rows as keyword dicts, keeping only the mapped columns (case-insensitive)."""
    columns = {name: mapping[name.lower()] for name in table.colnames if name.lower() in mapping}
    if "name" not in columns.values():
        raise ValidationFailed("the table has no name column", {"columns": f"found {', '.join(table.colnames)}"})
    for needed in ("ra_deg", "dec_deg"):
        if needed not in columns.values():
            raise ValidationFailed(f"the table has no {needed} column",
                                   {"columns": f"found {', '.join(table.colnames)}"})
    rows = []
    for row in table:
        values: dict[str, Any] = {}
        for column, key in columns.items():
            cell = _cell(row[column])
            if cell is not None and values.get(key) is None:
                values[key] = cell
        rows.append(values)
    return rows


def _store(rows: list[dict], upsert, label: str) -> ImportReport:
    """Upsert every row inside one transaction; collect every bad row then roll back."""
    report = ImportReport()
    errors: dict[str, Any] = {}
    with transaction.atomic():
        for number, values in enumerate(rows, start=2 if label == "csv" else 1):
            values = dict(values)
            name, ra, dec = values.pop("name", None), values.pop("ra_deg", None), values.pop("dec_deg", None)
            if isinstance(values.get("programs"), str):
                values["programs"] = [p.strip() for p in values["programs"].replace(";", ",").split(",") if p.strip()]
            try:
                with transaction.atomic():
                    obj, created = upsert(name=name, ra_deg=ra, dec_deg=dec, **values)
            except ValidationFailed as exc:
                errors[f"row {number} ({name or '?'})"] = exc.errors or exc.message
                continue
            except (IntegrityError, DataError) as exc:  # e.g. a duplicate catalog id, a number out of range
                errors[f"row {number} ({name or '?'})"] = f"refused by the database: {str(exc).splitlines()[0]}"
                continue
            (report.created if created else report.updated).append(obj.name)
        if errors:
            transaction.set_rollback(True)
            raise ValidationFailed(f"{len(errors)} bad row(s): nothing was imported", errors)
    return report


def import_jsdc(path: Path | str) -> ImportReport:
    """Calibrators from a JSDC export (VizieR II/346 CSV or VOTable)."""
    table = read_table(path)
    label = "csv" if Path(path).suffix.lower() in (".csv", ".txt") else "votable"
    return _store(table_rows(table, {**COMMON_COLUMNS, **JSDC_COLUMNS}), calibrator_upsert, label)


def import_targets_csv(path: Path | str) -> ImportReport:
    """Targets from a CSV list (name, RA, Dec, magnitudes, spectral type, program...)."""
    table = read_table(path)
    return _store(table_rows(table, {**COMMON_COLUMNS, **TARGET_COLUMNS}), target_upsert, "csv")


def _ob_star(target) -> dict[str, Any]:
    values = {
        "pm_ra": target.pm_ra, "pm_dec": target.pm_dec, "parallax": target.parallax,
        "fluxes": dict(target.fluxes or {}), "spectral_type": target.spectral_type or "",
        "object_types": target.object_types or "", "identifiers": target.identifiers or "",
    }
    return {k: v for k, v in values.items() if v not in (None, "", {}, [])}


def import_obxml(xml: str, *, program: str | None = None) -> ImportReport:
    """Science targets and calibrators of one Aspro2 OB (.obxml text).

    Parsing is the OB format's (domain.ob_format, shared with the OB server); calibrator DIAMETER goes to
    the UD diameter of the instrument's band, only when JSDC gave none.
    """
    try:
        definition = ob_format.parse_ob(ob_format.obxml_to_dict(xml))
    except ValidationFailed:
        raise
    except Exception as exc:  # ObFormatError or XML error: report, do not crash the import
        raise ValidationFailed("not a valid Aspro2 OB file", {"file": str(exc)})
    instrument = ob_format.survey_instruments(definition.instrument, definition.mode)[0]
    report = ImportReport()
    with transaction.atomic():
        for target in definition.targets:
            values = _ob_star(target)
            if target.kind == "CALIBRATION":
                from surveys.models import Calibrator

                diameter_field = OB_DIAMETER_FIELD.get(instrument, "udd_r")
                existing = Calibrator.objects.filter(name=target.name).first()
                if target.diameter is not None and (existing is None or getattr(existing, diameter_field) is None):
                    values[diameter_field] = target.diameter
                calibrator, _ = calibrator_upsert(name=target.name, ra_deg=target.ra_deg, dec_deg=target.dec_deg,
                                                  source="Aspro2 OB", **values)
                report.calibrators.append(calibrator.name)
            else:
                if program:
                    values["programs"] = [program]
                obj, created = target_upsert(name=target.name, ra_deg=target.ra_deg, dec_deg=target.dec_deg,
                                             **values)
                (report.created if created else report.updated).append(obj.name)
    return report


def import_file(path: Path | str, *, program: str | None = None) -> ImportReport:
    """Targets from a .csv or .obxml file (the import_targets command)."""
    path = Path(path)
    if path.suffix.lower() == ".obxml":
        return import_obxml(path.read_text(encoding="utf-8"), program=program)
    if program:
        table_report = read_table(path)
        rows = table_rows(table_report, {**COMMON_COLUMNS, **TARGET_COLUMNS})
        for row in rows:
            row.setdefault("programs", program)
        return _store(rows, target_upsert, "csv")
    return import_targets_csv(path)
