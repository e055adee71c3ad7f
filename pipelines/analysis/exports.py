"""The diameters table as an astropy Table, written as CSV or VOTable (for TOPCAT)."""
from __future__ import annotations

import io

import numpy as np
from astropy import units as u
from astropy.io.votable import from_table
from astropy.table import MaskedColumn, Table

from issp_portal import csvsafe

COLUMNS = [
    # name, unit, description, getter
    ("target", None, "Target name", lambda r: r.target.name),
    ("ra", u.deg, "ICRS right ascension", lambda r: r.target.ra_deg),
    ("dec", u.deg, "ICRS declination", lambda r: r.target.dec_deg),
    ("spectral_type", None, "Spectral type", lambda r: r.target.spectral_type),
    ("mag_v", u.mag, "V magnitude", lambda r: r.target.mag_v),
    ("mag_k", u.mag, "K magnitude", lambda r: r.target.mag_k),
    ("program", None, "Program code", lambda r: r.program.code),
    ("instrument", None, "Beam combiner", lambda r: r.instrument),
    ("band", None, "Photometric band of the data", lambda r: r.band),
    ("wavelength", u.um, "Mean wavelength", lambda r: r.wavelength_um),
    ("ud", u.mas, "Uniform-disk diameter", lambda r: r.ud_mas),
    ("e_ud_formal", u.mas, "UD formal error scaled by sqrt(reduced chi2)", lambda r: r.ud_err_formal),
    ("e_ud_boot", u.mas, "UD bootstrap error (nights or baselines)", lambda r: r.ud_err_boot),
    ("chi2_ud", None, "Reduced chi2 of the UD fit", lambda r: r.ud_chi2),
    ("ld", u.mas, "Limb-darkened diameter", lambda r: r.ld_mas),
    ("e_ld_formal", u.mas, "LD formal error scaled by sqrt(reduced chi2)", lambda r: r.ld_err_formal),
    ("e_ld_boot", u.mas, "LD bootstrap error", lambda r: r.ld_err_boot),
    ("chi2_ld", None, "Reduced chi2 of the LD fit", lambda r: r.ld_chi2),
    ("ld_law", None, "Limb-darkening law", lambda r: r.ld_law),
    ("ld_coeff", None, "Limb-darkening coefficient", lambda r: r.ld_coeff),
    ("n_v2", None, "Number of V2 points", lambda r: r.n_v2),
    ("n_t3", None, "Number of closure phases", lambda r: r.n_t3),
    ("n_nights", None, "Number of nights", lambda r: r.n_nights),
    ("cp_chi2", None, "Reduced chi2 of closure phases vs 0/180 deg", lambda r: r.cp_chi2),
    ("flags", None, "Comma-separated flags", lambda r: r.flags),
    ("l3_version", None, "Archive id of the L3 product version", lambda r: r.version_id),
]
COMPANION_COLUMNS = [  # name, unit, description, CompanionResult field
    ("companion_detected", None, "Companion detected at >= 5 sigma (empty: not screened)", "detected"),
    ("companion_nsigma", None, "Significance of the best binary vs the single star (sigma)", "nsigma"),
    ("companion_sep", u.mas, "Separation of the best companion", "separation_mas"),
    ("companion_pa", u.deg, "Position angle of the best companion, East of North", "position_angle_deg"),
    ("companion_flux_ratio", u.percent, "Flux ratio companion/primary", "flux_ratio_percent"),
    ("e_companion_flux_ratio", u.percent, "Flux-ratio error", "flux_ratio_err_percent"),
    ("companion_lim5_5mas", u.percent, "5-sigma flux-ratio detection limit at 5 mas", "limit5_5mas"),
    ("companion_lim5_20mas", u.percent, "5-sigma flux-ratio detection limit at 20 mas (empty: beyond the "
     "field searched)", "limit5_20mas"),
    ("companion_version", None, "Archive id of the L3 companion product version", "version_id"),
]


def _companion_getter(field: str):
    def get(row, companions):
        c = companions.get(row.pk)
        if c is None or c.status != "ok":
            return None
        value = getattr(c, field)
        return ("yes" if value else "no") if field == "detected" else value
    return get



def diameters_table(rows, companions: dict | None = None) -> Table:
    """Readable rows only, and {row id: companion screen} for the screens readable too (the caller
    filters both through the access policy)."""
    companions = companions or {}
    table = Table(meta={"description": "ISSP portal: L3 survey diameters and companion screen"})
    getters = {field: _companion_getter(field) for *_, field in COMPANION_COLUMNS}
    columns = [*COLUMNS, *[(name, unit, description, (lambda r, f=field: getters[f](r, companions)))
                           for name, unit, description, field in COMPANION_COLUMNS]]
    for name, unit, description, getter in columns:
        values = [getter(r) for r in rows]
        if any(isinstance(v, str) for v in values):
            col = MaskedColumn(["" if v is None else str(v) for v in values], name=name, description=description,
                               dtype=str)
        else:
            numeric = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
            col = MaskedColumn(numeric, name=name, unit=unit, description=description, mask=np.isnan(numeric))
        table.add_column(col)
    return table


def to_csv(table: Table) -> bytes:
    """CSV of the table; text cells that would start a spreadsheet formula are defused."""
    table = table.copy()
    for name in table.colnames:
        if table[name].dtype.kind in "US":
            table[name] = [csvsafe.cell(str(v)) for v in table[name]]
    buf = io.StringIO()
    table.write(buf, format="ascii.csv")
    return buf.getvalue().encode()


def to_votable(table: Table) -> bytes:
    vot = from_table(table)
    vot.resources[0].tables[0].ID = "diameters"
    buf = io.BytesIO()
    vot.to_xml(buf)
    return buf.getvalue()
