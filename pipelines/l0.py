"""L0: header extraction of a raw (consolidated) file to the CHARA observation-log fields.

Pure (no Django). `read_primary_header` reads only the primary header blocks;
`extract` maps a header to the L0 record fields; `chara_log_row` gives the
columns CHARA sends to OiDB (UT-DATE, STAR, PI, PROGRAM, COMBINER, TYPE, MJD,
FILTER, SCOPES, B1, B2, B3, T0_OBS, T0_500nm).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from astropy.io import fits
from astropy.time import Time

from domain.instruments import CALIBRATION, SCIENCE, get_instrument, is_placeholder

BLOCK = 2880


def read_primary_header(path: Path | str) -> fits.Header:
    """The primary header only, read block by block until END (no HDU list, no data)."""
    chunks = []
    with open(path, "rb") as fh:
        while True:
            block = fh.read(BLOCK)
            if len(block) < BLOCK:
                raise OSError(f"{path}: header ends before its END card")
            chunks.append(block)
            # END is alone on an 80-character card; check each card start of this block only.
            if any(block[i:i + 8] == b"END     " for i in range(0, BLOCK, 80)):
                break
    return fits.Header.fromstring(b"".join(chunks).decode("ascii"))


def json_safe(header: fits.Header | dict) -> dict[str, Any]:
    """Header as a JSON-storable dict (no COMMENT/HISTORY, no NaN)."""
    out: dict[str, Any] = {}
    for key, value in dict(header).items():
        if key in ("COMMENT", "HISTORY", "") or key.startswith("NAXIS") or key in ("SIMPLE", "BITPIX", "EXTEND"):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            continue
        out[key] = value if isinstance(value, (bool, int, float, str)) else str(value)
    return out


def _float(value: Any) -> float | None:
    if is_placeholder(value) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str:
    return "" if is_placeholder(value) else str(value).strip()


def extract(header: fits.Header | dict[str, Any]) -> dict[str, Any]:
    """The L0 record fields of one file (pipelines.models.L0Record)."""
    spec = get_instrument(header.get("INSTRUME"))
    mjd = _float(header.get("MJD-OBS"))
    if mjd is None and _text(header.get("DATE-OBS")):
        try:
            mjd = float(Time(header["DATE-OBS"], scale="utc").mjd)
        except ValueError:  # unreadable date: the consolidation report already says so
            mjd = None
    exptime = _float(header.get("EXPTIME")) or 0.0
    role = spec.role_of(header)
    return {
        "target_name": _text(header.get("OBJECT")) or _text(header.get(spec.target_keyword)),
        "program_code": _text(header.get("PROG_ID")),
        "instrument": spec.name,
        "mode": _text(header.get(spec.mode_keyword)),
        "obs_type": {SCIENCE: "SCIENCE", CALIBRATION: "CALIBRATION"}.get(role, ""),
        "mjd_start": mjd,
        "mjd_end": mjd + exptime / 86400 if mjd is not None else None,
        "stations": _text(header.get("SCOPES")),
        "r0": _float(header.get("R0")),
        "tau0": _float(header.get("T0")),
        "ra_deg": _float(header.get("RA")),
        "dec_deg": _float(header.get("DEC")),
    }


def chara_log_row(l0: dict[str, Any], *, pi: str = "") -> dict[str, Any]:
    """One line of a CHARA observation log (the CSV CHARA sends to OiDB) from L0 fields."""
    scopes = [s for s in (l0.get("stations") or "").split("-") if s]
    spec = get_instrument(l0["instrument"])
    ut = Time(l0["mjd_start"], format="mjd").isot[:10] if l0.get("mjd_start") is not None else ""
    return {
        "UT-DATE": ut, "STAR": l0.get("target_name", ""), "PI": pi, "PROGRAM": l0.get("program_code", ""),
        "COMBINER": spec.name, "TYPE": "Obj" if l0.get("obs_type") == "SCIENCE" else "Cal",
        "MJD": l0.get("mjd_start"), "FILTER": "/".join(spec.bands) + (f" {l0['mode']}" if l0.get("mode") else ""),
        "SCOPES": "-".join(scopes), "B1": scopes[0] if len(scopes) > 0 else "",
        "B2": scopes[1] if len(scopes) > 1 else "", "B3": scopes[2] if len(scopes) > 2 else "",
        "T0_OBS": l0.get("tau0"), "T0_500nm": l0.get("tau0"),
    }
