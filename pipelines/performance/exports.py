"""CSV and VOTable exports of the fitted noise laws and binned measurements (for the Aspro2 team)."""
from __future__ import annotations

import csv
import io

from astropy.io.votable import from_table, writeto
from astropy.table import Table

from issp_portal import csvsafe

PARAM_COLUMNS = ["instrument", "mode", "n_points", "zp", "zp_err", "sigma_read", "sigma_read_err", "beta",
                 "beta_err", "chi2_reduced", "scatter_dex", "limiting_mag", "t_exp", "tau0", "n_frames"]
BIN_COLUMNS = ["instrument", "mode", "mag_min", "mag_max", "n", "snr_median", "snr_p16", "snr_p84", "sample_ids",
               "observation_ids"]
UNITS = {"zp": "mag", "zp_err": "mag", "limiting_mag": "mag", "t_exp": "s", "tau0": "s", "mag_min": "mag",
         "mag_max": "mag"}



def to_csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: csvsafe.cell(row.get(c, "")) for c in columns})
    return out.getvalue()


def to_votable(rows: list[dict], columns: list[str], *, name: str, description: str) -> bytes:
    data = {}
    for c in columns:
        values = [row.get(c) for row in rows]
        if all(isinstance(v, str) or v is None for v in values):
            data[c] = [v or "" for v in values]
        else:
            data[c] = [float("nan") if v is None else float(v) for v in values]
    table = Table(data, names=columns) if rows else Table(names=columns, dtype=[str] * len(columns))
    for c, unit in UNITS.items():
        if c in table.colnames and rows:
            table[c].unit = unit
    table.meta["description"] = description
    votable = from_table(table)
    votable.get_first_table().name = name
    out = io.BytesIO()
    writeto(votable, out)
    return out.getvalue()
