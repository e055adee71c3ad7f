"""The one registry of CHARA beam combiners the portal handles: SPICA, MIRC-X, MYSTIC.

Pure data (no Django import). Everything else (consolidation, L0, runners, the
calibration and archive code) looks instruments up here with `get_instrument`.

Raw-file keyword conventions follow the SPICA team's (HIERARCH keywords without
the ESO prefix: `PRO SCIENCE`, `OBS TARG NAME`, `TPL START`, `INS RESOL`, ...) and
the MIRC-X/MYSTIC pipeline's (`OBJTYPE`, `OBJECT`, `MIRC SEQ START TIME`,
`CONF_NA`, ...); see docs reference "Data levels". Keywords shared by both:
`INSTRUME`, `OBJECT`, `RA`/`DEC` (deg, ICRS), `MJD-OBS`, `DATE-OBS`, `SCOPES`
(stations, CHARA log column SCOPES), `PROG_ID`, `R0` (cm), `T0` (ms, tau0).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCIENCE = "SCIENCE"
CALIBRATION = "CALIBRATION"
PLACEHOLDERS = frozenset({"", "N/A", "NA", "UNKNOWN", "UNSPECIFIED", "NONE", "NULL", "-"})


@dataclass(frozen=True)
class KeywordSpec:
    """One header keyword: its type, unit, whether required, and how to derive it when missing.

    `derive` names a derivation rule understood by pipelines.consolidation:
    "date_from_mjd", "mjd_from_date", "copy:<KEY>", "ob:<field>" (from the OB executing
    at that time on that instrument: target, program, mode, stations, ra, dec, r0, tau0),
    "role:<kind>" (from the science/calibrator role), or "" (cannot be derived).
    """

    name: str
    type: type
    unit: str = ""
    required: bool = True
    derive: tuple[str, ...] = ()
    meaning: str = ""


@dataclass(frozen=True)
class InstrumentSpec:
    """Static knowledge about one beam combiner."""

    name: str
    aspro_name: str
    bands: tuple[str, ...]
    modes: tuple[str, ...]
    jsdc_diameter_column: str  # UDDR / UDDH / UDDK
    calibrator_diameter_field: str  # field of surveys.Calibrator: udd_r / udd_h / udd_k
    runner_key: str  # key of settings.PIPELINES_REDUCTION_RUNNERS
    wavelength_range_m: tuple[float, float]
    keywords: tuple[KeywordSpec, ...]
    target_keyword: str  # keyword naming the observed star
    start_keyword: str  # keyword with the sequence start (ISO)
    mode_keyword: str
    role_keyword: str  # keyword deciding science vs calibrator in raw files
    role_values: dict[str, Any] = field(default_factory=dict)  # raw value -> SCIENCE / CALIBRATION
    l1_role_keyword: str = ""  # keyword an L1 product must carry
    l1_role_values: dict[str, str] = field(default_factory=dict)  # SCIENCE/CALIBRATION -> L1 value

    def keyword(self, name: str) -> KeywordSpec:
        for spec in self.keywords:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no keyword {name!r}")

    @property
    def required_keywords(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keywords if k.required)

    def role_of(self, header: dict[str, Any]) -> str | None:
        """SCIENCE / CALIBRATION from a raw header, or None when the keyword is absent or unknown."""
        value = header.get(self.role_keyword)
        if isinstance(value, str):
            value = value.strip().upper()
        for raw, role in self.role_values.items():
            if value == raw:
                return role
        return None

    def l1_role_of(self, header: dict[str, Any]) -> str | None:
        """SCIENCE / CALIBRATION from an L1 product's header (`PRO CATG` or `OBJTYPE`)."""
        value = str(header.get(self.l1_role_keyword, "")).strip().upper()
        for role, expected in self.l1_role_values.items():
            if value == expected:
                return role
        return None

    def role_value(self, role: str) -> Any:
        """The raw header value that encodes a role."""
        for raw, known in self.role_values.items():
            if known == role:
                return raw
        raise KeyError(role)


def _common(target_kw: str) -> list[KeywordSpec]:
    return [
        KeywordSpec("INSTRUME", str, meaning="beam combiner", derive=("instrument",)),
        KeywordSpec("OBJECT", str, meaning="observed star", derive=(f"copy:{target_kw}", "ob:target")),
        KeywordSpec("RA", float, "deg", derive=("ob:ra",), meaning="ICRS right ascension of the object"),
        KeywordSpec("DEC", float, "deg", derive=("ob:dec",), meaning="ICRS declination of the object"),
        KeywordSpec("MJD-OBS", float, "d", derive=("mjd_from_date",), meaning="start of the exposure"),
        KeywordSpec("DATE-OBS", str, "UTC ISO", derive=("date_from_mjd",), meaning="start of the exposure"),
        KeywordSpec("EXPTIME", float, "s", required=False, meaning="exposure time"),
        KeywordSpec("PROG_ID", str, derive=("ob:program",), meaning="program code"),
        KeywordSpec("SCOPES", str, derive=("ob:stations",), meaning="stations, e.g. S1-S2-E1-E2-W1-W2"),
        KeywordSpec("R0", float, "cm", required=False, derive=("ob:r0",), meaning="Fried parameter"),
        KeywordSpec("T0", float, "ms", required=False, derive=("ob:tau0",), meaning="coherence time tau0"),
    ]


INSTRUMENTS: dict[str, InstrumentSpec] = {
    "SPICA": InstrumentSpec(
        name="SPICA",
        aspro_name="SPICA",
        bands=("R",),
        modes=("LR", "MR640", "MR720", "MR800", "MR855", "HR"),
        jsdc_diameter_column="UDDR",
        calibrator_diameter_field="udd_r",
        runner_key="SPICA",
        wavelength_range_m=(0.60e-6, 0.90e-6),
        keywords=tuple(_common("OBS TARG NAME") + [
            KeywordSpec("OBS TARG NAME", str, derive=("copy:OBJECT", "ob:target"), meaning="target name"),
            KeywordSpec("TPL START", str, "UTC ISO", derive=("tpl_from_date",), meaning="template start"),
            KeywordSpec("INS RESOL", str, derive=("ob:mode",), meaning="spectral mode (LR, MR720, HR, ...)"),
            KeywordSpec("INS CENTRAL WL", float, "nm", required=False, meaning="central wavelength"),
            KeywordSpec("DET DIT", float, "s", meaning="detector integration time"),
            KeywordSpec("DET GAIN", float, required=False, meaning="detector gain"),
            KeywordSpec("PRO SCIENCE", bool, derive=("ob:role",), meaning="True = science, False = calibrator"),
        ]),
        target_keyword="OBS TARG NAME",
        start_keyword="TPL START",
        mode_keyword="INS RESOL",
        role_keyword="PRO SCIENCE",
        role_values={True: SCIENCE, False: CALIBRATION},
        l1_role_keyword="PRO CATG",
        l1_role_values={SCIENCE: "TARGET_RAW_INT", CALIBRATION: "CALIB_RAW_INT"},
    ),
}

for _name, _band, _col, _field, _modes, _wl in [
    ("MIRC-X", ("J", "H"), "UDDH", "udd_h", ("Low_J", "Med_J", "High_J", "Low_H", "Medium_H", "High_H"),
     (1.1e-6, 1.8e-6)),
    ("MYSTIC", ("K",), "UDDK", "udd_k", ("Low_K", "Med_K", "High_K"), (1.95e-6, 2.4e-6)),
]:
    INSTRUMENTS[_name] = InstrumentSpec(
        name=_name,
        aspro_name="MIRCX-MYSTIC",
        bands=_band,
        modes=_modes,
        jsdc_diameter_column=_col,
        calibrator_diameter_field=_field,
        runner_key=_name,
        wavelength_range_m=_wl,
        keywords=tuple(_common("OBJECT") + [
            KeywordSpec("OBJTYPE", str, derive=("ob:role",), meaning="TARGET or REFERENCE (calibrator)"),
            KeywordSpec("MIRC SEQ START TIME", str, "UTC ISO", derive=("tpl_from_date",),
                        meaning="sequence start"),
            KeywordSpec("CONF_NA", str, derive=("ob:mode",), meaning="configuration (mode) name"),
            KeywordSpec("WAVELEN", float, "um", required=False, meaning="central wavelength"),
            KeywordSpec("EXPOSURE", float, "ms", required=False, meaning="frame exposure"),
        ]),
        target_keyword="OBJECT",
        start_keyword="MIRC SEQ START TIME",
        mode_keyword="CONF_NA",
        role_keyword="OBJTYPE",
        role_values={"TARGET": SCIENCE, "REFERENCE": CALIBRATION},
        l1_role_keyword="OBJTYPE",
        l1_role_values={SCIENCE: "TARGET", CALIBRATION: "REFERENCE"},
    )


class UnknownInstrument(KeyError):
    """The header names a beam combiner the portal does not know."""


def normalize_instrument(name: Any) -> str:
    """Map header spellings (MIRCX, mirc-x, Mystic) to the registry names."""
    text = str(name or "").strip().upper().replace("_", "-")
    aliases = {"MIRCX": "MIRC-X", "MIRC": "MIRC-X"}
    return aliases.get(text, text)


def get_instrument(name: str) -> InstrumentSpec:
    """The spec of one beam combiner; raises UnknownInstrument for anything else."""
    key = normalize_instrument(name)
    try:
        return INSTRUMENTS[key]
    except KeyError:
        raise UnknownInstrument(f"unknown instrument {name!r}; known: {', '.join(INSTRUMENTS)}")


def is_placeholder(value: Any) -> bool:
    """Placeholder values (N/A, UNKNOWN, UNSPECIFIED, empty) count as missing."""
    if value is None:
        return True
    return isinstance(value, str) and value.strip().upper() in PLACEHOLDERS
