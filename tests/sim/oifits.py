"""Write a simulated visit as a SPICA L1 OIFITS2 file (the keywords the SPICA pipeline writes)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.time import Time

from domain.site import STATIONS
from tests.sim import geometry as geo
from tests.sim.observe import WAVE, Visit


def _col(name: str, fmt: str, array, unit: str | None = None) -> fits.Column:
    return fits.Column(name=name, format=fmt, array=array, unit=unit)


def write_l1(visit: Visit, path: Path, *, header_diameter: bool = True) -> Path:
    star = visit.star
    tels = geo.TELESCOPES
    sta = {t: i + 1 for i, t in enumerate(tels)}
    nrec, nbl, nch = visit.vis2.shape
    start = Time(visit.mjd[0], format="mjd")
    prim = fits.PrimaryHDU()
    h = prim.header
    for key, val in [("ORIGIN", "CHARA"), ("DATE", start.isot[:19]), ("CONTENT", "OIFITS2"), ("TELESCOP", "CHARA"),
                     ("INSTRUME", "SPICA"), ("OBSERVER", "sim"), ("INSMODE", "LR"), ("OBJECT", star.name),
                     ("MJD-OBS", float(visit.mjd[0])), ("DATE-OBS", start.isot[:19]), ("RA", star.ra),
                     ("DEC", star.dec), ("PROG_ID", "ISSP")]:
        h[key] = val
    h["HIERARCH PRO CATG"] = "TARGET_RAW_INT" if star.science else "CALIB_RAW_INT"
    h["HIERARCH PRO SCIENCE"] = bool(star.science)
    h["HIERARCH OBS TARG NAME"] = star.name
    h["HIERARCH TPL START"] = start.isot[:19]
    h["HIERARCH INS RESOL"] = "LR"
    h["HIERARCH INS CENTRAL WL"] = 750.0
    h["HIERARCH DET DIT"] = 0.01
    if not star.science and header_diameter and star.catalog:
        h["HIERARCH JSDC DIAMETER"] = float(star.catalog)
        h["HIERARCH JSDC DIAMETER ERROR"] = float(star.catalog_err or 0.0)

    target = fits.BinTableHDU.from_columns([
        _col("TARGET_ID", "I", [1]), _col("TARGET", "16A", [star.name]), _col("RAEP0", "D", [star.ra], "deg"),
        _col("DECEP0", "D", [star.dec], "deg"), _col("EQUINOX", "E", [2000.0], "yr"),
        _col("RA_ERR", "D", [0.0], "deg"), _col("DEC_ERR", "D", [0.0], "deg"), _col("SYSVEL", "D", [0.0], "m/s"),
        _col("VELTYP", "8A", ["UNKNOWN"]), _col("VELDEF", "8A", ["OPTICAL"]), _col("PMRA", "D", [0.0], "deg/yr"),
        _col("PMDEC", "D", [0.0], "deg/yr"), _col("PMRA_ERR", "D", [0.0], "deg/yr"),
        _col("PMDEC_ERR", "D", [0.0], "deg/yr"), _col("PARALLAX", "E", [0.0], "deg"),
        _col("PARA_ERR", "E", [0.0], "deg"), _col("SPECTYP", "16A", ["K0III"]),
        _col("CATEGORY", "3A", ["SCI" if star.science else "CAL"])], name="OI_TARGET")
    target.header["OI_REVN"] = 2
    array = fits.BinTableHDU.from_columns([
        _col("TEL_NAME", "16A", list(tels)), _col("STA_NAME", "16A", list(tels)),
        _col("STA_INDEX", "I", [sta[t] for t in tels]), _col("DIAMETER", "E", [1.0] * len(tels), "m"),
        _col("STAXYZ", "3D", np.array([STATIONS[t] for t in tels]), "m"),
        _col("FOV", "D", [1.0] * len(tels), "arcsec"), _col("FOVTYPE", "6A", ["FWHM"] * len(tels))],
        name="OI_ARRAY")
    array.header.update({"OI_REVN": 2, "ARRNAME": "CHARA", "FRAME": "GEOCENTRIC", "ARRAYX": -2476998.0,
                         "ARRAYY": -4647353.0, "ARRAYZ": 3582466.0})
    wave = fits.BinTableHDU.from_columns([_col("EFF_WAVE", "E", WAVE, "m"),
                                          _col("EFF_BAND", "E", np.full(nch, 5e-9), "m")], name="OI_WAVELENGTH")
    wave.header.update({"OI_REVN": 2, "INSNAME": "SPICA_LR"})
    common = {"OI_REVN": 2, "DATE-OBS": start.isot[:19], "ARRNAME": "CHARA", "INSNAME": "SPICA_LR"}

    bls = geo.baselines()
    rows = nrec * nbl
    mjd = np.repeat(visit.mjd, nbl)
    vis2 = fits.BinTableHDU.from_columns([
        _col("TARGET_ID", "I", np.ones(rows)), _col("TIME", "D", (mjd - mjd[0]) * 86400, "s"),
        _col("MJD", "D", mjd, "d"), _col("INT_TIME", "D", np.full(rows, 60.0), "s"),
        _col("VIS2DATA", f"{nch}D", visit.vis2.reshape(rows, nch)),
        _col("VIS2ERR", f"{nch}D", visit.vis2_err.reshape(rows, nch)),
        _col("UCOORD", "D", visit.u.ravel(), "m"), _col("VCOORD", "D", visit.v.ravel(), "m"),
        _col("STA_INDEX", "2I", np.array([[sta[a], sta[b]] for _ in range(nrec) for a, b in bls])),
        _col("FLAG", f"{nch}L", np.zeros((rows, nch), bool))], name="OI_VIS2")
    vis2.header.update(common)
    tris = geo.triangles()
    ntri = len(tris)
    trows = nrec * ntri
    tmjd = np.repeat(visit.mjd, ntri)
    uvt = visit.uvt.reshape(trows, 4)
    t3 = fits.BinTableHDU.from_columns([
        _col("TARGET_ID", "I", np.ones(trows)), _col("TIME", "D", (tmjd - tmjd[0]) * 86400, "s"),
        _col("MJD", "D", tmjd, "d"), _col("INT_TIME", "D", np.full(trows, 60.0), "s"),
        _col("T3AMP", f"{nch}D", visit.t3amp.reshape(trows, nch)),
        _col("T3AMPERR", f"{nch}D", visit.t3amp_err.reshape(trows, nch)),
        _col("T3PHI", f"{nch}D", visit.t3phi.reshape(trows, nch), "deg"),
        _col("T3PHIERR", f"{nch}D", visit.t3phi_err.reshape(trows, nch), "deg"),
        _col("U1COORD", "D", uvt[:, 0], "m"), _col("V1COORD", "D", uvt[:, 1], "m"),
        _col("U2COORD", "D", uvt[:, 2], "m"), _col("V2COORD", "D", uvt[:, 3], "m"),
        _col("STA_INDEX", "3I", np.array([[sta[a], sta[b], sta[c]] for _ in range(nrec) for a, b, c in tris])),
        _col("FLAG", f"{nch}L", np.zeros((trows, nch), bool))], name="OI_T3")
    t3.header.update(common)
    fits.HDUList([prim, target, array, wave, vis2, t3]).writeto(path, overwrite=True)
    return Path(path)
