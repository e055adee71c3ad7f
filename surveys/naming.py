"""Star names as people type them, sort them and look them up (pure, no Django).

"HD219080", "HD 219080", "hd_219080" are one star: `name_key` drops case, spaces
and underscores. `natural_key` sorts catalogue numbers as numbers (HD 9 before
HD 10). `simbad_url` opens the star in SIMBAD (CDS).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import quote

SIMBAD_ID_URL = "https://simbad.cds.unistra.fr/simbad/sim-id?Ident="
_CHUNKS = re.compile(r"(\d+(?:\.\d+)?)")


def name_key(name: str) -> str:
    """Comparison key of a star name: "HD 141577", "hd_141577" and "HD141577" give "HD141577"."""
    return re.sub(r"[\s_]+", "", str(name or "")).upper()


def natural_key(value) -> tuple:
    """Sort key that orders the numbers inside names numerically: HD 9 < HD 10 < HD 219080 < HIP 5."""
    if value is None:
        return ((2, ""),)
    if isinstance(value, bool | int | float | Decimal):
        return ((0, float(value)),)
    if isinstance(value, dt.datetime):
        return ((0, value.timestamp()),)
    if isinstance(value, dt.date):
        return ((0, float(value.toordinal())),)
    parts = []
    for chunk in _CHUNKS.split(str(value).replace("_", " ").strip().upper()):
        if not chunk:
            continue
        if _CHUNKS.fullmatch(chunk):
            parts.append((0, float(chunk)))
        else:
            parts.append((1, chunk.strip()))
    return tuple(parts)


def simbad_name(name: str) -> str:
    """The identifier SIMBAD resolves: underscores (as in FITS headers) become spaces."""
    return re.sub(r"[\s_]+", " ", str(name or "")).strip()


def simbad_url(name: str) -> str:
    return SIMBAD_ID_URL + quote(simbad_name(name))


def sort_rows(rows: list, sort: str | None, columns: dict, default: str, *, hidden: frozenset | set = frozenset(),
              readable=None, name=None) -> tuple[list, str, bool]:
    """Rows sorted by one column (`sort` = key or -key): numbers in names numerically, empty values last.

    `columns` maps a sort key to a function of a row. A sort on a `hidden` key (a value the access policy
    may hide) orders only the rows `readable(row)` allows; the others follow by `name(row)`, so the order
    tells nothing about a value the user cannot read. Returns (rows, key used, descending).
    """
    sort = sort or default
    key = sort.lstrip("-")
    if key not in columns:
        key, sort = default.lstrip("-"), default
    descending = sort.startswith("-")
    get = columns[key]
    shut = []
    if key in hidden and readable is not None:
        shut = sorted((r for r in rows if not readable(r)), key=lambda r: natural_key(name(r) if name else None))
        rows = [r for r in rows if readable(r)]
    present = [r for r in rows if get(r) not in (None, "")]
    missing = [r for r in rows if get(r) in (None, "")]
    present.sort(key=lambda r: natural_key(get(r)), reverse=descending)
    return present + missing + shut, key, descending
