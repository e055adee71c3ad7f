"""Read L1 OIFITS into arrays, write calibrated OIFITS2 L2 files. astropy only, no Django."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.time import Time

from domain import oifits
from domain.instruments import CALIBRATION, SCIENCE, UnknownInstrument, get_instrument, is_placeholder


class L1ReadError(ValueError):
    """An L1 file the calibration cannot use (missing table or keyword)."""


@dataclass
class L1File:
    """The arrays of one L1 file; rows keep the file's order, keys name them."""

    path: Path
    header: dict[str, Any]
    instrument: str
    role: str  # SCIENCE / CALIBRATION
    target: str
    start: str  # TPL START / MIRC SEQ START TIME
    mode: str
    central_wl: float | None
    ra: float | None
    dec: float | None
    wave: np.ndarray
    bl_keys: list[str]
    mjd: np.ndarray  # (nbl,)
    u: np.ndarray
    v: np.ndarray
    vis2: np.ndarray
    vis2_err: np.ndarray
    vis2_flag: np.ndarray
    tri_keys: list[str] = field(default_factory=list)
    t3_mjd: np.ndarray | None = None
    u1: np.ndarray | None = None
    v1: np.ndarray | None = None
    u2: np.ndarray | None = None
    v2: np.ndarray | None = None
    t3amp: np.ndarray | None = None
    t3amp_err: np.ndarray | None = None
    t3phi: np.ndarray | None = None
    t3phi_err: np.ndarray | None = None
    t3_flag: np.ndarray | None = None

    @property
    def stations(self) -> str:
        names = sorted({s for k in self.bl_keys for s in k.split("-")})
        return "-".join(names)

    @property
    def spfreq(self) -> np.ndarray:
        return np.hypot(self.u, self.v)[:, None] / self.wave[None, :]

    @property
    def header_diameter(self) -> tuple[float | None, float | None]:
        d, e = self.header.get("JSDC DIAMETER"), self.header.get("JSDC DIAMETER ERROR")
        d = float(d) if isinstance(d, int | float) and not isinstance(d, bool) and d > 0 else None
        e = float(e) if isinstance(e, int | float) and not isinstance(e, bool) and e >= 0 else None
        return d, e


def read_l1_identity(path: Path) -> tuple[str, str]:
    """(role, target name) of an L1 file from its primary header only (cheap: for forms and lists)."""
    path = Path(path)
    try:
        header = fits.getheader(path, 0)
    except OSError as exc:
        raise L1ReadError(f"{path.name}: not a FITS file ({exc})")
    try:
        spec = get_instrument(header.get("INSTRUME", ""))
    except UnknownInstrument as exc:
        raise L1ReadError(f"{path.name}: {exc}")
    role = spec.role_of(dict(header)) or spec.l1_role_of(dict(header))
    target = header.get(spec.target_keyword) or header.get("OBJECT")
    if role not in (SCIENCE, CALIBRATION) or is_placeholder(target):
        raise L1ReadError(f"{path.name}: no role or target name in the header")
    return role, str(target).strip()


def read_l1(path: Path) -> L1File:
    """Read the arrays the calibration needs; raises L1ReadError with the reason."""
    path = Path(path)
    try:
        f = oifits.read(path, ("OI_VIS2", "OI_T3"))
    except oifits.OifitsError as exc:
        raise L1ReadError(str(exc))
    header = {k: v for k, v in f.header.items() if k not in ("COMMENT", "HISTORY", "")}
    try:
        spec = get_instrument(header.get("INSTRUME", ""))
    except UnknownInstrument as exc:
        raise L1ReadError(f"{path.name}: {exc}")
    role = spec.role_of(header) or spec.l1_role_of(header)
    if role not in (SCIENCE, CALIBRATION):
        raise L1ReadError(f"{path.name}: cannot tell science from calibrator ({spec.role_keyword} missing)")
    target = header.get(spec.target_keyword) or header.get("OBJECT")
    if is_placeholder(target):
        raise L1ReadError(f"{path.name}: no target name ({spec.target_keyword})")
    for name, present in (("OI_ARRAY", f.arrays), ("OI_WAVELENGTH", f.wavelengths), ("OI_VIS2", f.vis2)):
        if not present:  # an OI_VIS2 whose INSNAME names no wavelength table is not read
            raise L1ReadError(f.orphan_error((name,)) or f"{path.name}: no {name} table")
    vis2 = f.vis2[0]
    cwl = header.get("INS CENTRAL WL", header.get("WAVELEN"))
    start = str(header.get(spec.start_keyword) or header.get("DATE-OBS") or "")
    l1 = L1File(
        path=path, header=header, instrument=spec.name, role=role, target=str(target).strip(), start=start,
        mode=str(header.get(spec.mode_keyword) or header.get("INSMODE") or ""),
        central_wl=float(cwl) if isinstance(cwl, int | float) else None,
        ra=_float(header.get("RA")), dec=_float(header.get("DEC")), wave=vis2.wave.copy(),
        bl_keys=vis2.labels(sort=True), mjd=vis2.mjd, u=vis2.u, v=vis2.v,
        vis2=vis2.masked("VIS2DATA"), vis2_err=vis2.channels("VIS2ERR"), vis2_flag=vis2.flag,
    )  # flagged points are not data: NaN
    if f.t3:
        t3 = f.t3[0]
        l1.tri_keys, l1.t3_mjd, l1.t3_flag = t3.labels(), t3.mjd, t3.flag
        l1.u1, l1.v1, l1.u2, l1.v2 = t3.uv_triangle
        l1.t3amp, l1.t3amp_err = t3.masked("T3AMP"), t3.channels("T3AMPERR")
        l1.t3phi, l1.t3phi_err = t3.masked("T3PHI"), t3.channels("T3PHIERR")
    if l1.ra is None and f.targets:
        l1.ra, l1.dec = f.targets[0].ra, f.targets[0].dec
    return l1


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass
class L2Content:
    """Calibrated arrays in the L1 file's row order, and the header cards to add."""

    vis2: np.ndarray
    vis2_err: np.ndarray
    vis2_flag: np.ndarray
    t3phi: np.ndarray | None
    t3phi_err: np.ndarray | None
    t3amp: np.ndarray | None
    t3amp_err: np.ndarray | None
    t3_flag: np.ndarray | None
    cards: dict[str, Any]
    calibrators: list[dict]  # name, diameter, error, source
    vis2_err_stat: np.ndarray | None = None  # statistical part of VIS2ERR
    vis2_err_cal: list[np.ndarray] = field(default_factory=list)  # signed 1σ term of calibrator k (same order)
    vis2_err_visit: np.ndarray | None = None  # TF jitter term, common to the channels of a record


def _nan_to_flag(values: np.ndarray, errors: np.ndarray, flag: np.ndarray) -> tuple[np.ndarray, ...]:
    bad = flag | ~np.isfinite(values) | ~np.isfinite(errors)
    return np.where(bad, 0.0, values), np.where(bad, 1.0, errors), bad


def write_l2(l1_path: Path, out_path: Path, content: L2Content, software: str) -> Path:
    """Copy the L1 file, replace its V² and T3 by calibrated values, drop what is not calibrated.

    The output is deterministic for the same inputs (DATE is taken from the input, never
    from the clock) so that re-running reuses the archived version.
    """
    src = fits.open(l1_path, memmap=False)  # in memory: edits never reach the L1 file
    try:
        _fill_l2(src, content, software)
        # differential visibilities (OI_VIS) are not calibrated here: dropped
        out = fits.HDUList([h for h in src if h.name != "OI_VIS"])
        _upgrade_v1_tables(out)
        out.writeto(out_path, overwrite=True, output_verify="silentfix")
    finally:
        src.close()
    return Path(out_path)


def _fill_l2(out: fits.HDUList, content: L2Content, software: str) -> None:
    prim = out[0].header
    date = prim.get("DATE") or prim.get("DATE-OBS") or Time(float(prim.get("MJD-OBS", 51544)), format="mjd").isot
    prim["DATE"] = str(date).split(".")[0]
    prim["CONTENT"] = "OIFITS2"
    prim["PROCSOFT"] = software
    for key in ("ORIGIN", "TELESCOP", "OBSERVER", "INSMODE", "REFERENC", "PROG_ID", "OBSTECH"):
        prim.setdefault(key, "UNKNOWN" if key != "TELESCOP" else "CHARA")
    prim.setdefault("OBJECT", str(prim.get("OBS TARG NAME", "UNKNOWN")))
    if "PRO CATG" in prim:
        prim["HIERARCH PRO CATG"] = "TARGET_CAL_INT"
    for i, cal in enumerate(content.calibrators, start=1):
        prim[f"HIERARCH PRO CAL{i} NAME"] = cal["name"]
        prim[f"HIERARCH PRO CAL{i} DIAMETER"] = round(float(cal["diameter"]), 6)
        prim[f"HIERARCH PRO CAL{i} DIAM ERR"] = round(float(cal["error"]), 6)
        prim[f"HIERARCH PRO CAL{i} TYPE"] = cal["source"]
    for key, val in content.cards.items():
        prim[f"HIERARCH {key}"] = val
    for hdu in out[1:]:
        hdu.header["OI_REVN"] = 2
    vis2 = out["OI_VIS2"].data
    vis2["VIS2DATA"], vis2["VIS2ERR"], vis2["FLAG"] = _nan_to_flag(content.vis2, content.vis2_err,
                                                                   content.vis2_flag)
    if content.vis2_err_stat is not None:
        _add_error_split(out, content)
    if "OI_VIS2" in out and "ARRNAME" not in out["OI_VIS2"].header:
        out["OI_VIS2"].header["ARRNAME"] = out["OI_ARRAY"].header.get("ARRNAME", "CHARA")
    if content.t3phi is not None and "OI_T3" in out:
        t3 = out["OI_T3"].data
        phi, phi_err, bad_phi = _nan_to_flag(content.t3phi, content.t3phi_err, content.t3_flag)
        amp, amp_err, bad_amp = _nan_to_flag(content.t3amp, content.t3amp_err, content.t3_flag)
        t3["T3PHI"], t3["T3PHIERR"], t3["T3AMP"], t3["T3AMPERR"] = phi, phi_err, amp, amp_err
        t3["FLAG"] = bad_phi | bad_amp


ERROR_MODEL = "STAT+VISIT+CALDIAM"


def _add_error_split(out: fits.HDUList, content: L2Content) -> None:
    """OI_VIS2 extra columns (OIFITS2 allows them): VIS2ERR_STAT, VIS2ERR_VISIT, one VIS2ERR_CALk per calibrator.

    VIS2ERR stays the total, √(VIS2ERR_STAT² + VIS2ERR_VISIT² + Σ_k VIS2ERR_CALk²), for readers that know
    only the standard columns. VIS2ERR_STAT is independent from point to point; VIS2ERR_VISIT (the TF's
    visit-to-visit jitter) is common to the channels of one record. VIS2ERR_CALk is the signed shift of
    VIS2DATA if calibrator k (primary keyword `PRO CALk NAME`) had a diameter 1σ larger: fully
    correlated over every point and file calibrated with that star, so a fit must not average it down.
    """
    hdu = out["OI_VIS2"]
    flag = np.asarray(hdu.data["FLAG"], dtype=bool)
    nch = flag.shape[1]
    cols = [fits.Column(name="VIS2ERR_STAT", format=f"{nch}D",
                        array=np.where(flag, 1.0, np.nan_to_num(content.vis2_err_stat, nan=1.0)))]
    if content.vis2_err_visit is not None:
        cols.append(fits.Column(name="VIS2ERR_VISIT", format=f"{nch}D",
                                array=np.where(flag, 0.0, np.nan_to_num(content.vis2_err_visit))))
    for k, term in enumerate(content.vis2_err_cal, start=1):
        cols.append(fits.Column(name=f"VIS2ERR_CAL{k}", format=f"{nch}D", array=np.where(flag, 0.0,
                                                                                        np.nan_to_num(term))))
    names = set(hdu.columns.names)
    keep = fits.ColDefs([c for c in hdu.columns if not c.name.startswith("VIS2ERR_")]) if any(
        n.startswith("VIS2ERR_") for n in names) else hdu.columns
    new = fits.BinTableHDU.from_columns(keep + fits.ColDefs(cols), header=hdu.header)
    new.header["ERRMODEL"] = (ERROR_MODEL, "VIS2ERR^2 = STAT^2 + VISIT^2 + sum CALk^2")
    out[out.index_of("OI_VIS2")] = new
    out[0].header["HIERARCH PRO ERR MODEL"] = ERROR_MODEL


def _upgrade_v1_tables(out: fits.HDUList) -> None:
    """OIFITS1 inputs (e.g. Aspro2): add what OIFITS2 makes mandatory (FOV/FOVTYPE, ARRNAME)."""
    arr = out["OI_ARRAY"]
    if "FOV" not in arr.columns.names:
        n = len(arr.data)
        cols = arr.columns + fits.ColDefs([
            fits.Column(name="FOV", format="D", unit="arcsec", array=np.ones(n)),
            fits.Column(name="FOVTYPE", format="6A", array=["FWHM"] * n),
        ])
        new = fits.BinTableHDU.from_columns(cols, header=arr.header)
        out[out.index_of("OI_ARRAY")] = new
    for hdu in out[1:]:
        if hdu.name in ("OI_VIS2", "OI_T3", "OI_VIS", "OI_FLUX") and "ARRNAME" not in hdu.header:
            hdu.header["ARRNAME"] = out["OI_ARRAY"].header.get("ARRNAME", "CHARA")
