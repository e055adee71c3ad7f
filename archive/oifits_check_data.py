"""Checks on one OIFITS data table (OI_VIS, OI_VIS2, OI_T3, OI_FLUX): references, times, flags, errors.

Pure module (no Django); called by `oifits_checks._Checker`. The rules and their severities are in
`oifits_rules.RULES`: an unflagged NaN is a warning naming its column (readers drop non-finite
points), an unflagged error bar <= 0 is an error (it breaks every weighted fit), an MJD out of
OITools' 1933-2150 range or in the future is a warning.
"""
from __future__ import annotations

import time
from collections import Counter
from typing import Protocol

import numpy as np
from astropy.time import Time

from archive import oifits_spec as spec
from archive.oifits_rules import Report


class Context(Protocol):
    r: Report
    waves: dict[str, int]
    arrays: dict[str, set[int]]
    target_ids: set[int]
    corrs: dict[str, int]


def repeat(hdu, name: str) -> int:
    """Values per row of a column (from TFORM/TDIM, so a 1-channel file still counts 1)."""
    col = hdu.columns[name]
    dim = getattr(col, "dim", None)
    if dim:
        return int(np.prod([int(x) for x in str(dim).strip("()").split(",")]))
    return int(getattr(col.format, "repeat", 1) or 1)


def data_table(ctx: Context, lab: str, hdu, rows: Counter) -> None:
    """Every rule on one data table; `rows` collects (table, INSNAME, target, MJD, stations) across tables."""
    r, data, names = ctx.r, hdu.data, set(hdu.columns.names)
    insname = str(hdu.header.get("INSNAME", "")).strip()
    arrname = str(hdu.header.get("ARRNAME", "")).strip()
    nwave = ctx.waves.get(insname)
    if insname and nwave is None:
        r.add("dangling-insname", f"INSNAME {insname!r} has no OI_WAVELENGTH table", lab, "INSNAME")
    if arrname and arrname not in ctx.arrays:
        r.add("dangling-arrname", f"ARRNAME {arrname!r} has no OI_ARRAY table", lab, "ARRNAME")
    if data is None or len(data) == 0:
        r.add("empty-table", "table has no rows", lab, severity="warning")
        return
    if nwave is not None:
        wave_cols = [c.name for c in spec.COLUMNS[hdu.name] if c.width == spec.WAVE]
        aliases = list(spec.COLUMN_ALIASES.get(hdu.name, {}).values())
        for name in [*wave_cols, *spec.OPTIONAL_WAVE_COLUMNS.get(hdu.name, ()), *aliases]:
            if name in names and repeat(hdu, name) != nwave:
                r.add("wrong-shape", f"{name} has {repeat(hdu, name)} channels but OI_WAVELENGTH {insname!r} "
                      f"has {nwave}", lab, name)
    if "TARGET_ID" in names and ctx.target_ids:
        dangling = sorted({int(t) for t in data["TARGET_ID"]} - ctx.target_ids)
        if dangling:
            r.add("dangling-target-id", f"TARGET_ID {dangling} not in OI_TARGET", lab, "TARGET_ID")
    if "STA_INDEX" in names and repeat(hdu, "STA_INDEX") > 1:
        sta = np.asarray(data["STA_INDEX"]).reshape(len(data), -1)
        same = sum(len(set(row.tolist())) != row.size for row in sta)
        if same:
            r.add("row-duplicate-station", f"{same} rows name the same station twice", lab, "STA_INDEX")
    if "STA_INDEX" in names and arrname in ctx.arrays and ctx.arrays[arrname]:
        missing = sorted({int(s) for s in np.ravel(data["STA_INDEX"])} - ctx.arrays[arrname])
        if missing:
            r.add("dangling-sta-index", f"STA_INDEX {missing} not in OI_ARRAY {arrname!r}", lab, "STA_INDEX")
    correlations(ctx, lab, hdu)
    times(r, lab, hdu)
    flags(r, lab, hdu)
    duplicates(r, lab, hdu, insname, rows)


def corr_table(ctx: Context, lab: str, hdu) -> None:
    """OI_CORR: unique CORRNAME, 1 <= IINDX < JINDX <= NDATA."""
    name, names = str(hdu.header.get("CORRNAME", "")).strip(), set(hdu.columns.names)
    if name in ctx.corrs:
        ctx.r.add("duplicate-corrname", f"CORRNAME {name!r} defined twice", lab, "CORRNAME")
    ndata = int(hdu.header.get("NDATA", 0) or 0)
    ctx.corrs[name] = ndata
    if hdu.data is None or not len(hdu.data) or not {"IINDX", "JINDX"} <= names:
        return
    i, j = np.asarray(hdu.data["IINDX"], int), np.asarray(hdu.data["JINDX"], int)
    bad = (i < 1) | (j <= i) | (ndata > 0) & ((i > ndata) | (j > ndata))
    if bad.any():
        ctx.r.add("corr-index", f"{int(bad.sum())} rows break 1 <= IINDX < JINDX <= NDATA ({ndata})", lab, "IINDX")


def correlations(ctx: Context, lab: str, hdu) -> None:
    """A data table's CORRNAME and CORRINDX_* columns against the OI_CORR tables."""
    names = set(hdu.columns.names)
    indexed = sorted(n for n in names if n.startswith("CORRINDX_"))
    corrname = str(hdu.header.get("CORRNAME", "")).strip()
    if not corrname and not indexed:
        return
    if corrname not in ctx.corrs:
        ctx.r.add("dangling-corrname", f"CORRNAME {corrname!r} ({', '.join(indexed) or 'no CORRINDX column'}) "
                  "has no OI_CORR table", lab, "CORRNAME")
        return
    ndata = ctx.corrs[corrname]
    for name in indexed:
        values = np.asarray(hdu.data[name], dtype=float)
        null = hdu.columns[name].null
        used = values[np.isfinite(values) & (values != 0) & (values != (null if null is not None else 0))]
        if np.any(used < 1) or (ndata > 0 and np.any(used > ndata)):
            ctx.r.add("corrindx-range", f"{name} outside 1..NDATA ({ndata})", lab, name)


def times(r: Report, lab: str, hdu) -> None:
    data, names = hdu.data, set(hdu.columns.names)
    if "MJD" not in names:
        return
    mjd = np.asarray(data["MJD"], dtype=float)
    bad = ~np.isfinite(mjd) | (mjd <= 0)
    if bad.any():
        r.add("bad-mjd", f"MJD has {int(bad.sum())} NaN, zero or negative values", lab, "MJD")
    good = mjd[~bad]
    if not len(good):
        return
    now = Time(time.time(), format="unix").mjd
    if good.min() < spec.MJD_MIN or good.max() > min(spec.MJD_MAX, now + 2):
        r.add("mjd-range", f"MJD {good.min():.3f}-{good.max():.3f} is outside 1933-2150 or in the future",
              lab, "MJD")
    date_obs = str(hdu.header.get("DATE-OBS", "")).strip()
    if date_obs:
        try:
            start = Time(date_obs[:10], format="iso", scale="utc").mjd
        except ValueError:
            r.add("bad-date-obs", f"DATE-OBS {date_obs!r} is not a date", lab, "DATE-OBS")
        else:
            if not spec.MJD_MIN <= start <= spec.MJD_MAX:
                r.add("bad-date-obs", f"DATE-OBS {date_obs!r} is outside 1933-2150", lab, "DATE-OBS")
            if good.min() < start - 1 or good.min() > start + 2:
                r.add("date-obs-mismatch", f"DATE-OBS {date_obs} but first MJD is "
                      f"{Time(good.min(), format='mjd').iso[:16]}", lab, "MJD")
    if "INT_TIME" in names and np.any(np.asarray(data["INT_TIME"], dtype=float) < 0):
        r.add("negative-int-time", "INT_TIME has negative values", lab, "INT_TIME")


def flags(r: Report, lab: str, hdu) -> None:
    """Unflagged NaN (warning, per column) and unflagged error bars <= 0 (error, per column)."""
    data, names = hdu.data, set(hdu.columns.names)
    if "FLAG" not in names:
        return
    flag = np.asarray(data["FLAG"], dtype=bool).reshape(len(data), -1)
    if flag.all():
        r.add("all-flagged", "every value is flagged", lab, "FLAG")
    for value, error in spec.DATA_COLUMNS.get(hdu.name, ()):
        if value not in names:
            continue
        if error in names and _placeholder(data, value, error, flag):
            r.add("unmeasured-column", f"{value} and {error} are 0 on every row: the observable was not measured "
                  "(readers must ignore it)", lab, value)
            continue
        for name in (value, error):
            if name not in names:
                continue
            x = np.asarray(data[name], dtype=float).reshape(len(data), -1)
            if x.shape != flag.shape:
                continue  # already reported as wrong-shape
            nan = ~np.isfinite(x) & ~flag
            if nan.any():
                r.add("unflagged-nan", f"{name}: {int(nan.sum())} NaN/inf values with FLAG false "
                      f"(of {x.size}); readers drop them", lab, name)
            if name == error:
                nonpos = np.isfinite(x) & (x <= 0) & ~flag
                if nonpos.any():
                    r.add("nonpositive-error", f"{name}: {int(nonpos.sum())} unflagged values <= 0 "
                          f"(min {x[nonpos].min():g}); an error bar must be > 0", lab, name)


def _placeholder(data, value: str, error: str, flag: np.ndarray) -> bool:
    """True when a value/error pair is 0 +- 0 everywhere (MATISSE T3AMP, AMBER VISAMP): not a measurement."""
    v = np.asarray(data[value], dtype=float).reshape(flag.shape[0], -1)
    e = np.asarray(data[error], dtype=float).reshape(flag.shape[0], -1)
    return v.shape == e.shape == flag.shape and bool(np.all(v == 0) and np.all(e == 0))


def duplicates(r: Report, lab: str, hdu, insname: str, rows: Counter) -> None:
    data, names = hdu.data, set(hdu.columns.names)
    if not {"MJD", "STA_INDEX", "TARGET_ID"} <= names:
        return
    keys = [(hdu.name, insname, int(t), round(float(m), 8), tuple(np.ravel(s).tolist()))
            for t, m, s in zip(data["TARGET_ID"], data["MJD"], data["STA_INDEX"], strict=True)]
    before = sum(rows.values()) - len(rows)
    rows.update(keys)
    n = sum(rows.values()) - len(rows) - before
    if n:
        r.add("duplicate-rows", f"{n} rows repeat (TARGET_ID, MJD, STA_INDEX) of another row", lab, "MJD")
