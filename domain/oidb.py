"""The primary-header keywords OiDB reads when a file is submitted (pure, no Django).

OiDB (JMMC-OpenDev/oidb, modules/oifits.xql) parses a submitted OIFITS with
OITools, which spells HIERARCH cards with dots, and fills the granule from:

    HIERARCH.QUALITY.LEVEL                       -> quality_level
    HIERARCH.OBS.PROG.ID (or HIERARCH.ESO.OBS.PROG.ID) -> progid
    HIERARCH.SPICADB-ID                          -> proposal_subid
    HIERARCH.PRO.SCIENCE = T / F                 -> dataproduct_category SCIENCE / CALIB
    ARCFILE minus ".fits"                        -> obs_id

`stamp_oidb_keywords` writes them into a copy of a file (the portal's own
`HIERARCH ISSP QC ...` review cards stay beside them); the values are the ones
the portal pushes in the granule, so the file and the granule agree.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from astropy.io import fits
from astropy.io.fits.verify import VerifyWarning

from domain.quality import SCALE, oidb_level

QUALITY_KEY = "HIERARCH QUALITY LEVEL"
PROG_KEY = "HIERARCH OBS PROG ID"
ESO_PROG_KEY = "HIERARCH ESO OBS PROG ID"
SUBID_KEY = "HIERARCH SPICADB-ID"
SCIENCE_KEY = "HIERARCH PRO SCIENCE"
ARCFILE_KEY = "ARCFILE"


MAX_OBS_ID = 63  # ARCFILE = obs_id + ".fits" must fit one FITS card value (68 characters, no CONTINUE)


def obs_id_for(product_key: str) -> str:
    """The granule's obs_id of a product: its key, shortened with a digest when ARCFILE would not fit one card."""
    if len(product_key) <= MAX_OBS_ID:
        return product_key
    digest = hashlib.sha1(product_key.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{product_key[:MAX_OBS_ID - 13]}~{digest}"


@dataclass(frozen=True)
class OidbKeywords:
    """What OiDB will read from the file; `science` None = let the file's own cards decide."""

    quality_level: int | None
    progid: str
    obs_id: str
    proposal_subid: str | None = None
    science: bool | None = None

    def arcfile(self) -> str:
        return f"{self.obs_id}.fits"


def is_science(header: fits.Header, *, calib_level: int) -> bool | None:
    """Science (T) or calibrator (F) from the file's cards; an L2 is a calibrated science file."""
    if "PRO SCIENCE" in header:
        return bool(header["PRO SCIENCE"])
    catg = str(header.get("PRO CATG", "")).upper()
    if catg.startswith("TARGET"):
        return True
    if catg.startswith("CALIB"):
        return False
    objtype = str(header.get("OBJTYPE", "")).upper()
    if objtype in ("TARGET", "SCIENCE"):
        return True
    if objtype in ("REFERENCE", "CALIB", "CALIBRATOR"):
        return False
    return True if calib_level >= 2 else None


def stamp_header(header: fits.Header, keywords: OidbKeywords) -> None:
    """Write OiDB's cards into a primary header (in place)."""
    level = oidb_level(keywords.quality_level)
    header[QUALITY_KEY] = (level, f"OiDB quality_level: {SCALE[level][0]}"[:46])
    header[PROG_KEY] = (keywords.progid, "program (OiDB progid)")
    if ESO_PROG_KEY.removeprefix("HIERARCH ") in header:  # OiDB reads either: keep them equal
        header[ESO_PROG_KEY] = keywords.progid
    if keywords.proposal_subid:
        header[SUBID_KEY] = (str(keywords.proposal_subid), "SPICA catalog row (OiDB proposal_subid)")
    elif SUBID_KEY.removeprefix("HIERARCH ") in header:
        del header[SUBID_KEY]
    if keywords.science is not None:
        header[SCIENCE_KEY] = (bool(keywords.science), "T science, F calibrator")
    header[ARCFILE_KEY] = keywords.arcfile()  # OiDB obs_id + ".fits" (no comment: the value may fill the card)


def stamp_oidb_keywords(*, keywords: OidbKeywords, calib_level: int, source: Path | None = None,
                        content: bytes | None = None) -> bytes:
    """A copy of the file (path or bytes) whose primary header carries OiDB's keywords."""
    with warnings.catch_warnings():  # an unreadable file raises below; the checker reports why
        warnings.simplefilter("ignore", VerifyWarning)
        return _stamp(keywords=keywords, calib_level=calib_level, source=source, content=content)


def _stamp(*, keywords: OidbKeywords, calib_level: int, source: Path | None, content: bytes | None) -> bytes:
    with fits.open(io.BytesIO(content) if content is not None else source, memmap=False) as hdul:
        header = hdul[0].header
        if keywords.science is None:
            keywords = OidbKeywords(**{**keywords.__dict__, "science": is_science(header, calib_level=calib_level)})
        stamp_header(header, keywords)
        buffer = io.BytesIO()
        hdul.writeto(buffer, output_verify="silentfix")
        return buffer.getvalue()


def dataproduct_category(science: bool | None) -> str | None:
    """OiDB's dataproduct_category for PRO SCIENCE T / F."""
    return None if science is None else ("SCIENCE" if science else "CALIB")
