"""The OIFITS checker's rule set: one entry per rule id, with its severity and where it comes from.

Pure module (no Django). Each rule names the paragraph of the standard it enforces, in the
notation of JMMC OITools (`fr/jmmc/oitools/model/Rule.java`, the validator OiDB runs):
"V2.4.2§1" = OIFITS 2 (Duvert et al. 2017, A&A 597, A8) section 4.2 paragraph 1, "V1.6.1.4" =
OIFITS 1 (Pauls et al. 2005, PASP 117, 1255) section 6.1.4, "V2 Table 2" = a table of the OIFITS 2
paper, "V1-V2.Tables" = the column/keyword tables of both papers, "JMMC" = an OITools rule with no
paragraph, "ISSP" = a portal rule (what the portal's readers need). `oitools` names the matching
OITools rule and the severity it gives; where the portal differs, `note` says why.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # the usual severity; `also` lists the others a rule may take (e.g. by OIFITS version)
    section: str
    oitools: str
    description: str
    also: tuple[str, ...] = ()
    note: str = ""


_R = Rule
RULES: dict[str, Rule] = {r.code: r for r in (
    # -- the file -------------------------------------------------------------------------------------
    _R("not-found", ERROR, "JMMC", "FILE_EXIST (SEVERE)", "the file exists"),
    _R("not-fits", ERROR, "JMMC", "FILE_LOAD (SEVERE)", "the file reads as FITS"),
    _R("truncated", ERROR, "JMMC", "FILE_LOAD (SEVERE)", "the file is complete (size a multiple of 2880 bytes)"),
    _R("checker-failure", ERROR, "ISSP", "-", "the checker finished"),
    # -- structure (V2 section 4) ----------------------------------------------------------------------
    _R("no-oi-tables", ERROR, "V2.4.2§1", "OIFITS_OIDATA (SEVERE)", "at least one OI_* binary table"),
    _R("missing-table", ERROR, "V2.4.2§1", "OIFITS_OI_TARGET_EXIST, OIFITS_OI_WAVELENGTH_EXIST, OIFITS_OIDATA "
       "(SEVERE)", "OI_TARGET, OI_WAVELENGTH and one data table are present"),
    _R("missing-oi-array", ERROR, "V2.4.2§1", "OIFITS_OI_ARRAY_EXIST_V2 (SEVERE)",
       "an OIFITS 2 file has an OI_ARRAY table (optional in OIFITS 1: info)", also=(INFO,)),
    _R("mixed-revisions", INFO, "V2.4.2§1", "GENERIC_OIREV_FIX (INFO)", "tables declare different OI_REVN"),
    _R("primary-keywords", WARNING, "V2 Table 2", "GENERIC_KEYWORD_MANDATORY (SEVERE; INSMODE WARNING)",
       "the OIFITS 2 primary header has its mandatory keywords",
       note="warning: real MIRC-X, MATISSE and GRAVITY files lack some; the data stay readable"),
    _R("content-keyword", WARNING, "V2 Table 2", "GENERIC_KEYWORD_VAL_ACCEPTED_STR (SEVERE)",
       "CONTENT = 'OIFITS2' when the tables are OI_REVN 2"),
    _R("missing-keyword", WARNING, "V1-V2.Tables", "GENERIC_KEYWORD_MANDATORY (SEVERE)",
       "mandatory table keywords; INSNAME (V2.5.3§3) and ARRNAME of OI_ARRAY (V2.5.2§1) are errors",
       also=(ERROR,), note="warning for DATE-OBS and OI_REVN: MJD carries the time, the columns say the revision"),
    _R("missing-column", ERROR, "V1-V2.Tables", "GENERIC_COL_MANDATORY (SEVERE; FOV/FOVTYPE WARNING)",
       "mandatory columns; columns new in OIFITS 2 (FOV, FOVTYPE) are warnings", also=(WARNING,)),
    _R("column-alias", INFO, "JMMC", "column alias (GRAVITY FLUX for FLUXDATA)",
       "a pre-standard column name read as its standard name"),
    _R("wrong-shape", ERROR, "V2.4§1", "GENERIC_COL_FORMAT (SEVERE)",
       "column widths: NWAVE values per row, 2 or 3 stations, 3 coordinates"),
    _R("missing-unit", WARNING, "V2.4§2", "GENERIC_COL_UNIT_EXIST (INFO/SEVERE)", "a column with a unit states it"),
    _R("bad-unit", WARNING, "V2.4§2", "GENERIC_COL_UNIT (INFO/SEVERE)", "the unit string is understood"),
    _R("unit-alias", INFO, "V2.4§2", "GENERIC_COL_UNIT (INFO)", "a unit spelled differently but equal"),
    _R("wrong-unit", ERROR, "V2.4§2", "GENERIC_COL_UNIT (SEVERE)",
       "a unit of another scale or dimension: values would be misread"),
    # -- reference tables (V2 section 5) ----------------------------------------------------------------
    _R("duplicate-target-id", ERROR, "JMMC", "OI_TARGET_TARGETID_UNIQ (SEVERE)", "TARGET_ID values are unique"),
    _R("target-id-range", WARNING, "V2.OI_TARGET_Table", "OI_TARGET_TARGETID_MIN (SEVERE)", "TARGET_ID >= 1",
       note="warning: the real MIRC-X pipeline writes TARGET_ID 0 and every reader copes"),
    _R("empty-target-name", ERROR, "JMMC", "OI_TARGET_TARGET (SEVERE)", "every target has a name"),
    _R("duplicate-target-name", ERROR, "JMMC", "OI_TARGET_TARGET_UNIQ (SEVERE)", "TARGET names are unique"),
    _R("multiple-oi-target", ERROR, "V2.4.2§1", "OIFITS_OI_TARGET_EXIST (SEVERE)", "one and only one OI_TARGET"),
    _R("target-coord-zero", WARNING, "JMMC", "OI_TARGET_COORD (WARNING)", "RAEP0 and DECEP0 are not both 0"),
    _R("duplicate-insname", ERROR, "V1.6.3.1", "INSNAME_UNIQ (SEVERE)", "one OI_WAVELENGTH table per INSNAME"),
    _R("empty-table", ERROR, "V2.4§1", "GENERIC_COL_NBROWS (SEVERE)",
       "OI_WAVELENGTH has channels (a data table with no row is a warning)", also=(WARNING,)),
    _R("wavelength-range", ERROR, "JMMC", "OI_WAVELENGTH_EFF_WAVE (SEVERE)", "EFF_WAVE finite, within 0.1-20 µm"),
    _R("duplicate-arrname", ERROR, "V2.5.2§1", "ARRNAME_UNIQ (SEVERE)", "one OI_ARRAY table per ARRNAME"),
    _R("duplicate-sta-index", ERROR, "V1.6.1.4", "OI_ARRAY_STA_INDEX_UNIQ (SEVERE)", "STA_INDEX unique in OI_ARRAY"),
    _R("sta-index-min", ERROR, "V1.6.1.4", "OI_ARRAY_STA_INDEX_MIN (SEVERE)", "STA_INDEX >= 1 in OI_ARRAY"),
    _R("sta-name", ERROR, "JMMC", "OI_ARRAY_STA_NAME, OI_ARRAY_STA_NAME_UNIQ (SEVERE)", "STA_NAME set and unique"),
    _R("array-xyz", WARNING, "V1.6.1.3", "OI_ARRAY_XYZ (WARNING)",
       "ARRAYX/Y/Z is a point on Earth (|XYZ| > 6350 km); PIONIER writes 0, 0, 0"),
    # -- data tables (V2 section 6) ---------------------------------------------------------------------
    _R("dangling-insname", ERROR, "V2.6.1§3", "INSNAME_REF (SEVERE)", "INSNAME names an OI_WAVELENGTH table"),
    _R("dangling-arrname", ERROR, "V2.6.1§3", "ARRNAME_REF (SEVERE)", "ARRNAME names an OI_ARRAY table"),
    _R("dangling-target-id", ERROR, "V1-V2.Tables", "GENERIC_COL_VAL_ACCEPTED_INT (SEVERE)",
       "TARGET_ID values exist in OI_TARGET"),
    _R("dangling-sta-index", ERROR, "V1-V2.Tables", "GENERIC_COL_VAL_ACCEPTED_INT (SEVERE)",
       "STA_INDEX values exist in the referenced OI_ARRAY"),
    _R("row-duplicate-station", ERROR, "V1.6.1.4", "GENERIC_STA_INDEX_UNIQ (SEVERE)",
       "the stations of one baseline or triangle differ"),
    _R("bad-mjd", WARNING, "V2.6.1§1", "GENERIC_MJD_RANGE (WARNING), GENERIC_COL_VAL_POSITIVE (INFO)",
       "MJD is finite and positive"),
    _R("mjd-range", WARNING, "V2.6.1§1", "GENERIC_MJD_RANGE (WARNING)",
       "MJD within 1933-2150 (27073.5-106332.5) and not in the future"),
    _R("bad-date-obs", WARNING, "V2.6.1§1", "GENERIC_DATE_OBS_STANDARD, GENERIC_DATE_OBS_RANGE (WARNING)",
       "DATE-OBS is a YYYY-MM-DD date within 1933-2150"),
    _R("date-obs-mismatch", WARNING, "V2.6.1§1", "-", "DATE-OBS agrees with the first MJD"),
    _R("negative-int-time", WARNING, "V1-V2.Tables", "GENERIC_COL_VAL_POSITIVE (INFO)", "INT_TIME >= 0"),
    _R("all-flagged", WARNING, "ISSP", "-", "a data table has at least one unflagged value"),
    _R("unflagged-nan", WARNING, "V1-V2.Tables", "- (NaN allowed)",
       "NaN/inf values are flagged (FLAG = T); the column is named",
       note="warning: the portal's readers drop non-finite points; real GRAVITY and MATISSE files have them"),
    _R("nonpositive-error", ERROR, "V1-V2.Tables", "GENERIC_COL_ERR_FIX (WARNING, sets them to NaN)",
       "unflagged *ERR values are > 0 (or NaN)",
       note="error: a 1-sigma error <= 0 gives an infinite or negative weight in every fit"),
    _R("unmeasured-column", WARNING, "V1-V2.Tables", "GENERIC_COL_ERR_FIX (WARNING)",
       "a value/error pair that is 0 +- 0 on every row is a placeholder for an observable not measured",
       note="MATISSE writes T3AMP = T3AMPERR = 0, AMBER VISAMP = VISAMPERR = 0: not error bars <= 0"),
    # -- correlations (V2 section 7.2) ----------------------------------------------------------------
    _R("dangling-corrname", ERROR, "V2.6.1§3", "CORRNAME_REF, OI_VIS2_CORRINDX, OI_VIS_CORRINDX, OI_T3_CORRINDX "
       "(SEVERE)", "CORRNAME / CORRINDX_* point to an OI_CORR table"),
    _R("duplicate-corrname", ERROR, "V2.7.2§4", "CORRNAME_UNIQ (SEVERE)", "one OI_CORR table per CORRNAME"),
    _R("corr-index", ERROR, "V2.OI_CORR_Table", "OI_CORR_IINDEX_MIN, OI_CORR_JINDEX_SUP, OI_CORR_IJINDEX_MAX (SEVERE)",
       "1 <= IINDX < JINDX <= NDATA"),
    _R("corrindx-range", ERROR, "V2.7.2§4", "GENERIC_CORRINDX_MIN, GENERIC_CORRINDX_MAX (SEVERE)",
       "CORRINDX_* values within 1..NDATA of the OI_CORR table"),
    _R("duplicate-rows", WARNING, "ISSP", "-", "no two rows share (TARGET_ID, MJD, STA_INDEX)"),
)}


def rule(code: str) -> Rule:
    """The rule of a problem code (KeyError for an unknown code: every finding must have its rule)."""
    return RULES[code]


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str
    message: str
    hdu: str | None = None
    column: str | None = None
    section: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    """Machine-readable outcome; `ok` means no error (warnings allowed)."""

    path: str
    version: int | None = None
    problems: list[Problem] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    def add(self, code: str, message: str, hdu: str | None = None, column: str | None = None,
            severity: str | None = None) -> None:
        """Record a finding of rule `code` (its own severity unless one of its listed alternatives is given)."""
        r = rule(code)
        severity = severity or r.severity
        if severity != r.severity and severity not in r.also:
            raise ValueError(f"rule {code} cannot be {severity}")
        self.problems.append(Problem(code, severity, message, hdu, column, r.section))

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

    @property
    def verdict(self) -> str:
        """'error', 'warning' or 'ok': the worst severity found (infos do not count)."""
        return ERROR if self.errors else WARNING if self.warnings else "ok"

    def codes(self, severity: str | None = None) -> set[str]:
        return {p.code for p in self.problems if severity is None or p.severity == severity}

    def fired(self) -> list[str]:
        """Rules fired, as sorted 'severity:code' strings (the known-answer table's column)."""
        return sorted({f"{p.severity}:{p.code}" for p in self.problems})

    def as_dict(self) -> dict:
        return {"path": self.path, "version": self.version, "ok": self.ok, "verdict": self.verdict,
                "counts": {s: sum(p.severity == s for p in self.problems) for s in SEVERITIES},
                "rules": self.fired(), "problems": [p.as_dict() for p in self.problems], "summary": self.summary}
