"""The primary header as OiDB sees it: OITools' keyword names (HIERARCH words joined by dots), raw card values.

Written from the FITS card format, without astropy's header parsing, so a
test does not check the writer with its own reader.
"""
from __future__ import annotations

from pathlib import Path


def _value(text: str) -> str:
    text = text.strip()
    if text.startswith("'"):
        out, i = [], 1
        while i < len(text):
            if text[i] == "'":
                if text[i + 1:i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                break
            out.append(text[i])
            i += 1
        return "".join(out).rstrip()
    return text.split("/", 1)[0].strip()


def oitools_keywords(data: bytes | Path) -> dict[str, str]:
    """{keyword name as OITools spells it: raw value} of the primary header."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    keywords: dict[str, str] = {}
    for start in range(0, len(raw), 80):
        card = raw[start:start + 80].decode("ascii")
        if card.startswith("END" + " " * 77):
            break
        if card.startswith("HIERARCH "):
            name, _, rest = card.partition("=")
            keywords["HIERARCH." + ".".join(name.split()[1:])] = _value(rest)
        elif card[8:10] == "= ":
            keywords[card[:8].strip()] = _value(card[10:])
    return keywords


def granule_from_header(data: bytes | Path) -> dict[str, str]:
    """The granule columns OiDB fills from a submitted file (modules/oifits.xql)."""
    kw = oitools_keywords(data)
    category = {"T": "SCIENCE", "F": "CALIB"}.get(kw.get("HIERARCH.PRO.SCIENCE", ""))
    return {"quality_level": kw.get("HIERARCH.QUALITY.LEVEL"),
            "progid": kw.get("HIERARCH.ESO.OBS.PROG.ID") or kw.get("HIERARCH.OBS.PROG.ID"),
            "proposal_subid": kw.get("HIERARCH.SPICADB-ID"),
            "obs_id": kw.get("ARCFILE", "").partition(".fits")[0] or None,
            "dataproduct_category": category}
