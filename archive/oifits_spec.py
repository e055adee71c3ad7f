"""What OIFITS v1 (Pauls et al. 2005) and v2 (Duvert et al. 2017) require, as data.

Pure module (no Django): the checker in `oifits_checks.py` walks these tables.
A column is (name, unit or None, first revision where it is mandatory, width):
width is "wave" for one value per spectral channel, an int for a fixed width.
"""
from __future__ import annotations

from dataclasses import dataclass

WAVE = "wave"


@dataclass(frozen=True)
class Col:
    name: str
    unit: str | None = None
    since: int = 1  # mandatory from this OI_REVN on (1 = always)
    width: int | str | None = None


DATA_TABLES = ("OI_VIS", "OI_VIS2", "OI_T3", "OI_FLUX")
V2_NEW_TABLES = ("OI_FLUX", "OI_CORR", "OI_INSPOL")  # OI_REVN = 1 in an OIFITS 2 file

COLUMNS: dict[str, tuple[Col, ...]] = {
    "OI_TARGET": (
        Col("TARGET_ID"), Col("TARGET"), Col("RAEP0", "deg"), Col("DECEP0", "deg"), Col("EQUINOX", "yr"),
        Col("RA_ERR", "deg"), Col("DEC_ERR", "deg"), Col("SYSVEL", "m/s"), Col("VELTYP"), Col("VELDEF"),
        Col("PMRA", "deg/yr"), Col("PMDEC", "deg/yr"), Col("PMRA_ERR", "deg/yr"), Col("PMDEC_ERR", "deg/yr"),
        Col("PARALLAX", "deg"), Col("PARA_ERR", "deg"), Col("SPECTYP"),
    ),
    "OI_ARRAY": (
        Col("TEL_NAME"), Col("STA_NAME"), Col("STA_INDEX"), Col("DIAMETER", "m"), Col("STAXYZ", "m", width=3),
        Col("FOV", "arcsec", since=2), Col("FOVTYPE", since=2),
    ),
    "OI_WAVELENGTH": (Col("EFF_WAVE", "m"), Col("EFF_BAND", "m")),
    "OI_VIS": (
        Col("TARGET_ID"), Col("TIME", "s"), Col("MJD", "d"), Col("INT_TIME", "s"),
        Col("VISAMP", width=WAVE), Col("VISAMPERR", width=WAVE), Col("VISPHI", "deg", width=WAVE),
        Col("VISPHIERR", "deg", width=WAVE), Col("UCOORD", "m"), Col("VCOORD", "m"),
        Col("STA_INDEX", width=2), Col("FLAG", width=WAVE),
    ),
    "OI_VIS2": (
        Col("TARGET_ID"), Col("TIME", "s"), Col("MJD", "d"), Col("INT_TIME", "s"),
        Col("VIS2DATA", width=WAVE), Col("VIS2ERR", width=WAVE), Col("UCOORD", "m"), Col("VCOORD", "m"),
        Col("STA_INDEX", width=2), Col("FLAG", width=WAVE),
    ),
    "OI_T3": (
        Col("TARGET_ID"), Col("TIME", "s"), Col("MJD", "d"), Col("INT_TIME", "s"),
        Col("T3AMP", width=WAVE), Col("T3AMPERR", width=WAVE), Col("T3PHI", "deg", width=WAVE),
        Col("T3PHIERR", "deg", width=WAVE), Col("U1COORD", "m"), Col("V1COORD", "m"), Col("U2COORD", "m"),
        Col("V2COORD", "m"), Col("STA_INDEX", width=3), Col("FLAG", width=WAVE),
    ),
    "OI_FLUX": (
        Col("TARGET_ID"), Col("MJD", "d"), Col("INT_TIME", "s"), Col("FLUXDATA", width=WAVE),
        Col("FLUXERR", width=WAVE), Col("FLAG", width=WAVE),
    ),
    "OI_CORR": (Col("IINDX", since=2), Col("JINDX", since=2), Col("CORR", since=2)),
}

# Optional columns whose width still follows the wavelength table when present.
OPTIONAL_WAVE_COLUMNS = {
    "OI_VIS": ("VISDATA", "VISERR", "RVIS", "RVISERR", "IVIS", "IVISERR"),
    "OI_FLUX": (),
}

# (value column, error column) pairs checked for NaN/negative errors against FLAG.
DATA_COLUMNS = {
    "OI_VIS": (("VISAMP", "VISAMPERR"), ("VISPHI", "VISPHIERR")),
    "OI_VIS2": (("VIS2DATA", "VIS2ERR"),),
    "OI_T3": (("T3AMP", "T3AMPERR"), ("T3PHI", "T3PHIERR")),
    "OI_FLUX": (("FLUXDATA", "FLUXERR"), ("FLUX", "FLUXERR")),
}

HEADER_KEYWORDS: dict[str, tuple[tuple[str, int], ...]] = {
    # (keyword, first revision where it is mandatory)
    "OI_ARRAY": (("ARRNAME", 1), ("FRAME", 1), ("ARRAYX", 1), ("ARRAYY", 1), ("ARRAYZ", 1)),
    "OI_WAVELENGTH": (("INSNAME", 1),),
    "OI_VIS": (("DATE-OBS", 1), ("INSNAME", 1), ("ARRNAME", 2)),
    "OI_VIS2": (("DATE-OBS", 1), ("INSNAME", 1), ("ARRNAME", 2)),
    "OI_T3": (("DATE-OBS", 1), ("INSNAME", 1), ("ARRNAME", 2)),
    "OI_FLUX": (("DATE-OBS", 2), ("INSNAME", 2), ("CALSTAT", 2)),
    "OI_CORR": (("CORRNAME", 2), ("NDATA", 2)),
}

# OIFITS2 primary header keywords marked "required" in Table 2 of the v2 paper (REFERENC, PROG_ID,
# PROCSOFT and OBSTECH are optional there); absence is a warning: the data stay usable.
PRIMARY_V2 = ("ORIGIN", "DATE", "DATE-OBS", "CONTENT", "TELESCOP", "INSTRUME", "OBSERVER", "OBJECT", "INSMODE")

# Pre-standard column names that OITools reads as the standard one (GRAVITY writes OI_FLUX.FLUX).
COLUMN_ALIASES = {"OI_FLUX": {"FLUXDATA": "FLUX"}}

# Units written in the wild that mean exactly the expected unit.
UNIT_ALIASES = {"sec": "s", "second": "s", "seconds": "s", "day": "d", "days": "d", "year": "yr",
                "years": "yr", "degree": "deg", "degrees": "deg", "meter": "m", "meters": "m", "metre": "m",
                "m/sec": "m/s", "deg/year": "deg/yr", "deg/y": "deg/yr", "arcsecond": "arcsec"}

# OITools' "normal" ranges (FitsHDU.MJD_1933 / MJD_2150, OI_WAVELENGTH_EFF_WAVE).
MJD_MIN, MJD_MAX = 27073.5, 106332.5
EFF_WAVE_MIN, EFF_WAVE_MAX = 0.1e-6, 20.0e-6
