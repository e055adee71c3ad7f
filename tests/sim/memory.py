"""The same simulated nights without FITS files, for statistics over many realisations.

`l1file` builds what `read_l1` returns for the file `oifits.write_l1` writes, and `oidata`
builds what `read_oifits` returns for the L2 files `write_l2` writes; tests/sim/test_simulation.py
checks both equalities on real files, so the fast path measures the same thing.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.time import Time

from pipelines.analysis.oifits_io import OiData, T3Points, V2Points
from pipelines.calibration.oifits_io import L1File
from tests.sim import geometry as geo
from tests.sim.observe import WAVE, Visit


def l1file(visit: Visit, name: str = "memory.fits") -> L1File:
    star = visit.star
    start = Time(visit.mjd[0], format="mjd").isot[:19]
    header = {"INSTRUME": "SPICA", "PRO SCIENCE": star.science, "OBS TARG NAME": star.name, "TPL START": start,
              "INS RESOL": "LR", "INS CENTRAL WL": 750.0}
    if not star.science and star.catalog:
        header.update({"JSDC DIAMETER": float(star.catalog), "JSDC DIAMETER ERROR": float(star.catalog_err or 0)})
    nrec, nbl, nch = visit.vis2.shape
    ntri = visit.t3phi.shape[1]
    bls = [f"{min(a, b)}-{max(a, b)}" for a, b in geo.baselines()] * nrec
    tris = ["-".join(t) for t in geo.triangles()] * nrec
    return L1File(
        path=Path(name), header=header, instrument="SPICA", role="SCIENCE" if star.science else "CALIBRATION",
        target=star.name, start=start, mode="LR", central_wl=750.0, ra=star.ra, dec=star.dec, wave=WAVE.copy(),
        bl_keys=bls, mjd=np.repeat(visit.mjd, nbl), u=visit.u.ravel(), v=visit.v.ravel(),
        vis2=visit.vis2.reshape(-1, nch), vis2_err=visit.vis2_err.reshape(-1, nch),
        vis2_flag=np.zeros((nrec * nbl, nch), bool), tri_keys=tris, t3_mjd=np.repeat(visit.mjd, ntri),
        u1=visit.uvt[:, :, 0].ravel(), v1=visit.uvt[:, :, 1].ravel(), u2=visit.uvt[:, :, 2].ravel(),
        v2=visit.uvt[:, :, 3].ravel(), t3amp=visit.t3amp.reshape(-1, nch), t3amp_err=visit.t3amp_err.reshape(-1, nch),
        t3phi=visit.t3phi.reshape(-1, nch), t3phi_err=visit.t3phi_err.reshape(-1, nch),
        t3_flag=np.zeros((nrec * ntri, nch), bool))


def oidata(results: list) -> OiData:
    """OiData of calibrated science results (one target), as `read_oifits` reads their L2 files."""
    from domain.site import night_labels

    v2, t3 = {k: [] for k in ("u", "v", "wavelength", "vis2", "vis2_err", "vis2_err_stat", "mjd", "baseline")}, []
    terms: list[dict[str, np.ndarray]] = []
    visit, record, offset = [], [], 0
    for sr in results:
        f, c = sr.l1, sr.content
        nch = f.wave.size
        bad = c.vis2_flag | ~np.isfinite(c.vis2) | ~np.isfinite(c.vis2_err)
        keep = (~bad & (c.vis2_err > 0) & np.isfinite(c.vis2_err_stat) & (c.vis2_err_stat > 0)).ravel()
        v2["u"].append(np.repeat(f.u, nch)[keep]), v2["v"].append(np.repeat(f.v, nch)[keep])
        v2["wavelength"].append(np.tile(f.wave, len(f.u))[keep]), v2["vis2"].append(c.vis2.ravel()[keep])
        v2["vis2_err"].append(c.vis2_err.ravel()[keep]), v2["vis2_err_stat"].append(c.vis2_err_stat.ravel()[keep])
        v2["mjd"].append(np.repeat(f.mjd, nch)[keep]), v2["baseline"].append(np.repeat(f.bl_keys, nch)[keep])
        y = c.vis2.ravel()[keep]
        part = {}
        for cal, term in zip(c.calibrators, c.vis2_err_cal, strict=True):
            rel = np.where(y != 0, np.nan_to_num(term.ravel()[keep]) / np.where(y != 0, y, 1.0), 0.0)
            part[cal["name"]] = part.get(cal["name"], 0.0) + rel
        terms.append(part | {"_n": y.size})
        vt = np.nan_to_num(c.vis2_err_visit.ravel()[keep])
        visit.append(np.where(y != 0, vt / np.where(y != 0, y, 1.0), 0.0))
        record.append(np.repeat(np.arange(len(f.u)), nch)[keep] + offset)
        offset += len(f.u)
        if c.t3phi is not None:
            ok = (~c.t3_flag & np.isfinite(c.t3phi) & (c.t3phi_err > 0)).ravel()
            t3.append((c.t3phi.ravel()[ok], c.t3phi_err.ravel()[ok]))
    arrays = {k: np.concatenate(v) for k, v in v2.items()}
    names = sorted({n for p in terms for n in p if n != "_n"})
    arrays["cal_terms"] = np.concatenate([np.stack([p.get(n, np.zeros(p["_n"])) for n in names], axis=1)
                                          for p in terms]) if names else None
    arrays["cal_names"] = tuple(names)
    arrays["visit_rel"], arrays["record"] = np.concatenate(visit), np.concatenate(record)
    arrays["night"] = night_labels(arrays["mjd"])
    phi = np.concatenate([a for a, _ in t3]) if t3 else np.array([])
    err = np.concatenate([b for _, b in t3]) if t3 else np.array([])
    z = np.zeros(phi.size)
    return OiData(v2=V2Points(**arrays), t3=T3Points(phi, err, z, z, z, z, z + 7.5e-7, z),
                  mean_wavelength=float(WAVE.mean()))
