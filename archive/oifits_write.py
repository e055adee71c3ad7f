"""Writing OIFITS: synthetic OIFITS2 files (tests, demo) and the validation stamp.

Pure module (no Django). The stamp writes the reviewer's verdict into the
primary header of a copy: the archived original is never modified.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.time import Time

from issp_portal.visibility import ud_vis2

CHARA_STATIONS = {"S1": (0.0, 0.0, 0.0), "S2": (-5.7, 33.6, 0.6), "E1": (125.3, 305.9, -5.9),
                  "E2": (70.4, 269.7, -2.8), "W1": (-175.1, 216.3, -10.8), "W2": (-69.1, 199.3, 0.5)}


def uniform_disk_v2(baseline_over_lambda: np.ndarray, diameter_mas: float) -> np.ndarray:
    """V² of a uniform disk: (2 J1(x)/x)², x = π θ B/λ."""
    return ud_vis2(baseline_over_lambda, diameter_mas)


def synthetic_oifits2(*, target: str = "HD_1", ra_deg: float = 10.0, dec_deg: float = 20.0,
                      mjd: float = 60400.3, diameter_mas: float = 1.0, n_wave: int = 8,
                      wave_range: tuple[float, float] = (6.0e-7, 9.0e-7), instrument: str = "SPICA",
                      insname: str = "SPICA_MR", noise: float = 0.02, seed: int = 1,
                      extra_header: dict | None = None) -> fits.HDUList:
    """A valid OIFITS2 file of a uniform disk observed by the 6 CHARA telescopes (15 baselines, 20 triangles)."""
    rng = np.random.default_rng(seed)
    names = list(CHARA_STATIONS)
    xyz = np.array([CHARA_STATIONS[n] for n in names])
    wave = np.linspace(*wave_range, n_wave)
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    tris = [(i, j, k) for i in range(6) for j in range(i + 1, 6) for k in range(j + 1, 6)]
    date = Time(mjd, format="mjd").isot[:19]
    primary = fits.PrimaryHDU()
    h = primary.header
    for key, value in {"ORIGIN": "ISSP", "DATE": date[:10], "DATE-OBS": date, "CONTENT": "OIFITS2",
                       "TELESCOP": "CHARA", "INSTRUME": instrument, "OBSERVER": "ISSP", "OBJECT": target,
                       "INSMODE": insname, "REFERENC": "-", "PROG_ID": "issp", "PROCSOFT": "issp-synth 1.0",
                       "OBSTECH": "SCAN, PHASE_REF", "MJD-OBS": mjd, "RA": ra_deg, "DEC": dec_deg,
                       **(extra_header or {})}.items():
        h[key] = value
    array = fits.BinTableHDU.from_columns([
        fits.Column("TEL_NAME", "16A", array=names), fits.Column("STA_NAME", "16A", array=names),
        fits.Column("STA_INDEX", "1I", array=np.arange(1, 7)), fits.Column("DIAMETER", "1E", "m", array=[1.0] * 6),
        fits.Column("STAXYZ", "3D", "m", array=xyz), fits.Column("FOV", "1D", "arcsec", array=[0.5] * 6),
        fits.Column("FOVTYPE", "6A", array=["RADIUS"] * 6)], name="OI_ARRAY")
    array.header.update({"OI_REVN": 2, "ARRNAME": "CHARA", "FRAME": "GEOCENTRIC",
                         "ARRAYX": -2476998.0, "ARRAYY": -4647390.0, "ARRAYZ": 3582240.0})
    tgt = fits.BinTableHDU.from_columns([
        fits.Column("TARGET_ID", "1I", array=[1]), fits.Column("TARGET", "16A", array=[target]),
        fits.Column("RAEP0", "1D", "deg", array=[ra_deg]), fits.Column("DECEP0", "1D", "deg", array=[dec_deg]),
        fits.Column("EQUINOX", "1E", "yr", array=[2000.0]), fits.Column("RA_ERR", "1D", "deg", array=[0.0]),
        fits.Column("DEC_ERR", "1D", "deg", array=[0.0]), fits.Column("SYSVEL", "1D", "m/s", array=[0.0]),
        fits.Column("VELTYP", "8A", array=["UNKNOWN"]), fits.Column("VELDEF", "8A", array=["OPTICAL"]),
        fits.Column("PMRA", "1D", "deg/yr", array=[0.0]), fits.Column("PMDEC", "1D", "deg/yr", array=[0.0]),
        fits.Column("PMRA_ERR", "1D", "deg/yr", array=[0.0]), fits.Column("PMDEC_ERR", "1D", "deg/yr", array=[0.0]),
        fits.Column("PARALLAX", "1E", "deg", array=[0.0]), fits.Column("PARA_ERR", "1E", "deg", array=[0.0]),
        fits.Column("SPECTYP", "16A", array=["K0III"])], name="OI_TARGET")
    tgt.header["OI_REVN"] = 2
    wl = fits.BinTableHDU.from_columns([fits.Column("EFF_WAVE", "1E", "m", array=wave),
                                        fits.Column("EFF_BAND", "1E", "m", array=np.full(n_wave, 5e-9))],
                                       name="OI_WAVELENGTH")
    wl.header.update({"OI_REVN": 2, "INSNAME": insname})
    uv = np.array([xyz[j, :2] - xyz[i, :2] for i, j in pairs])
    v2 = uniform_disk_v2(np.hypot(uv[:, 0], uv[:, 1])[:, None] / wave[None, :], diameter_mas)
    v2 = v2 * (1 + noise * rng.standard_normal(v2.shape))
    fmt = f"{n_wave}D"
    common = [fits.Column("TARGET_ID", "1I", array=[1] * len(pairs)),
              fits.Column("TIME", "1D", "s", array=[0.0] * len(pairs)),
              fits.Column("MJD", "1D", "d", array=[mjd] * len(pairs)),
              fits.Column("INT_TIME", "1D", "s", array=[300.0] * len(pairs))]
    vis2 = fits.BinTableHDU.from_columns([
        *common, fits.Column("VIS2DATA", fmt, array=v2),
        fits.Column("VIS2ERR", fmt, array=np.maximum(noise * np.abs(v2), 1e-3)),
        fits.Column("UCOORD", "1D", "m", array=uv[:, 0]), fits.Column("VCOORD", "1D", "m", array=uv[:, 1]),
        fits.Column("STA_INDEX", "2I", array=[(i + 1, j + 1) for i, j in pairs]),
        fits.Column("FLAG", f"{n_wave}L", array=np.zeros(v2.shape, bool))], name="OI_VIS2")
    u1 = np.array([xyz[j, :2] - xyz[i, :2] for i, j, _ in tris])
    u2 = np.array([xyz[k, :2] - xyz[j, :2] for _, j, k in tris])
    phi = 2.0 * rng.standard_normal((len(tris), n_wave))
    t3 = fits.BinTableHDU.from_columns([
        fits.Column("TARGET_ID", "1I", array=[1] * len(tris)), fits.Column("TIME", "1D", "s", array=[0.0] * len(tris)),
        fits.Column("MJD", "1D", "d", array=[mjd] * len(tris)),
        fits.Column("INT_TIME", "1D", "s", array=[300.0] * len(tris)),
        fits.Column("T3AMP", fmt, array=np.full(phi.shape, 0.5)),
        fits.Column("T3AMPERR", fmt, array=np.full(phi.shape, 0.05)),
        fits.Column("T3PHI", fmt, "deg", array=phi), fits.Column("T3PHIERR", fmt, "deg", array=np.full(phi.shape, 2.0)),
        fits.Column("U1COORD", "1D", "m", array=u1[:, 0]), fits.Column("V1COORD", "1D", "m", array=u1[:, 1]),
        fits.Column("U2COORD", "1D", "m", array=u2[:, 0]), fits.Column("V2COORD", "1D", "m", array=u2[:, 1]),
        fits.Column("STA_INDEX", "3I", array=[(i + 1, j + 1, k + 1) for i, j, k in tris]),
        fits.Column("FLAG", f"{n_wave}L", array=np.zeros(phi.shape, bool))], name="OI_T3")
    for table in (vis2, t3):
        table.header.update({"OI_REVN": 2, "DATE-OBS": date, "INSNAME": insname, "ARRNAME": "CHARA"})
    return fits.HDUList([primary, tgt, array, wl, vis2, t3])


def to_bytes(hdul: fits.HDUList) -> bytes:
    buffer = io.BytesIO()
    hdul.writeto(buffer)
    return buffer.getvalue()


def stamp_validation(source: Path, *, flag: int, flag_label: str, comment: str, reviewer: str,
                     date_iso: str, processing: str) -> bytes:
    """A copy of `source` whose primary header carries the verdict (HIERARCH ISSP QC ...)."""
    comment, reviewer = fits_text(comment or "-"), fits_text(reviewer)
    with fits.open(source, memmap=False) as hdul:
        header = hdul[0].header
        for key in [k for k in header if str(k).startswith("ISSP QC")]:
            del header[key]
        header["HIERARCH ISSP QC FLAG"] = (int(flag), "quality flag (see ISSP README)")
        header["HIERARCH ISSP QC LABEL"] = (fits_text(flag_label)[:40], "meaning of the flag")
        header["HIERARCH ISSP QC PROCESSING"] = (processing, "automatic or manual processing")
        header["HIERARCH ISSP QC REVIEWER"] = (reviewer[:40], "who validated")
        header["HIERARCH ISSP QC DATE"] = (date_iso[:19], "UTC of validation")
        header.add_history(f"ISSP validation {date_iso[:19]} by {reviewer}: flag {flag} ({fits_text(flag_label)})")
        for line in _chunks(comment, 60):
            header.add_comment(f"ISSP QC: {line}")
        header["HIERARCH ISSP QC COMMENT"] = _chunks(comment, 45)[0]
        return to_bytes(hdul)


def fits_text(text: str) -> str:
    """Printable ASCII for a FITS card, reversibly: backslash escapes for line breaks, tabs and
    non-ASCII characters ("é" -> "\\xe9"); `fits_text_decode` gives the text back."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\\", "\\\\")
    out = []
    for char in text:
        if " " <= char <= "~":
            out.append(char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        else:
            out.append(char.encode("ascii", "backslashreplace").decode("ascii"))
    return "".join(out)


def fits_text_decode(text: str) -> str:
    """The text `fits_text` encoded."""
    return text.encode("ascii").decode("unicode_escape")


def _chunks(text: str, size: int) -> list[str]:
    """Cut an encoded text in card-sized pieces, never inside one of its backslash escapes, and
    never after a space (FITS drops a card's trailing spaces: they move to the next piece)."""
    pieces, current = [], ""
    for token in re.findall(r"\\u[0-9a-f]{4}|\\U[0-9a-f]{8}|\\x[0-9a-f]{2}|\\.|.", text):
        if len(current) + len(token) > size:
            kept = current.rstrip(" ") or current
            pieces.append(kept)
            current = current[len(kept):]
        current += token
    return [*pieces, current] if current else pieces or ["-"]
