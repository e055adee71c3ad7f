"""Read the squared visibilities and closure phases of OIFITS files into flat numpy arrays.

Pure (astropy + numpy, no Django): the fitting code and the engines take these
arrays, whatever produced the file (SPICA, MIRC-X, Aspro2, PIONIER). Flagged
points and NaNs are dropped here, once. OIFITS v1 and v2 both work: only the
tables and columns common to both are read.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits

from domain.site import night_labels


class OifitsReadError(ValueError):
    """The file is not an OIFITS file this module can use (no OI_VIS2, no wavelength table...)."""


@dataclass(frozen=True)
class V2Points:
    """One row per (baseline record, channel): what a V² fit needs."""

    u: np.ndarray  # m
    v: np.ndarray  # m
    wavelength: np.ndarray  # m
    vis2: np.ndarray
    vis2_err: np.ndarray
    mjd: np.ndarray
    night: np.ndarray  # integer night label: one per CHARA night (local noon to local noon, domain.site)
    baseline: np.ndarray  # "S1-E1"-like label (station indices when names are missing)
    vis2_err_stat: np.ndarray | None = None  # statistical part of vis2_err (VIS2ERR_STAT), else vis2_err
    cal_terms: np.ndarray | None = None  # (n, ncal) relative 1σ V² shift per calibrator (VIS2ERR_CALk/VIS2DATA)
    cal_names: tuple[str, ...] = ()  # calibrator of each cal_terms column (shared across files and nights)
    visit_rel: np.ndarray | None = None  # relative TF-jitter term (VIS2ERR_VISIT/VIS2DATA), common to a record
    record: np.ndarray | None = None  # record index (unique over the files read): the visit term's group

    @property
    def err_stat(self) -> np.ndarray:
        return self.vis2_err if self.vis2_err_stat is None else self.vis2_err_stat

    @property
    def spatial_frequency(self) -> np.ndarray:
        """B/λ in cycles per radian."""
        return np.hypot(self.u, self.v) / self.wavelength

    def __len__(self) -> int:
        return int(self.vis2.size)


@dataclass(frozen=True)
class T3Points:
    """One row per (triangle record, channel)."""

    t3phi: np.ndarray  # degrees
    t3phi_err: np.ndarray  # degrees
    u1: np.ndarray
    v1: np.ndarray
    u2: np.ndarray
    v2: np.ndarray
    wavelength: np.ndarray
    mjd: np.ndarray

    @property
    def max_spatial_frequency(self) -> np.ndarray:
        """Longest of the three baselines over λ: where to plot a closure phase."""
        b1 = np.hypot(self.u1, self.v1)
        b2 = np.hypot(self.u2, self.v2)
        b3 = np.hypot(self.u1 + self.u2, self.v1 + self.v2)
        return np.maximum(np.maximum(b1, b2), b3) / self.wavelength

    def __len__(self) -> int:
        return int(self.t3phi.size)


@dataclass(frozen=True)
class OiData:
    v2: V2Points
    t3: T3Points
    sources: tuple[str, ...] = field(default=())
    mean_wavelength: float = 0.0  # m

    @property
    def n_nights(self) -> int:
        return int(np.unique(self.v2.night).size)


def _wavelengths(hdul: fits.HDUList) -> dict[str, np.ndarray]:
    tables = {h.header.get("INSNAME", "").strip(): np.asarray(h.data["EFF_WAVE"], dtype=float)
              for h in hdul if h.name == "OI_WAVELENGTH"}
    if not tables:
        raise OifitsReadError("no OI_WAVELENGTH table")
    return tables


def _stations(hdul: fits.HDUList) -> dict[tuple[str, int], str]:
    names: dict[tuple[str, int], str] = {}
    for h in hdul:
        if h.name != "OI_ARRAY":
            continue
        arr = h.header.get("ARRNAME", "").strip()
        for idx, name in zip(h.data["STA_INDEX"], h.data["STA_NAME"], strict=False):
            names[(arr, int(idx))] = str(name).strip()
    return names


def _broadcast(column: np.ndarray, n_channels: int) -> np.ndarray:
    """Per-record value → one per channel (records × channels, flattened)."""
    return np.repeat(np.asarray(column, dtype=float), n_channels)


def _as_2d(values, n_rows: int) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(n_rows, -1)


def _calibrators(header) -> dict[int, str]:
    """k -> name of the `PRO CALk NAME` primary keywords an L2 file of the portal carries."""
    out = {}
    for key, val in header.items():
        parts = key.split()
        if len(parts) == 3 and parts[0] == "PRO" and parts[1].startswith("CAL") and parts[2] == "NAME":
            try:
                out[int(parts[1][3:])] = str(val).strip()
            except ValueError:
                continue
    return out


def _error_split(h, rows: int, cals: dict[int, str]) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
    """VIS2ERR_STAT and the VIS2ERR_CALk columns (by calibrator name; VIS2ERR_VISIT as "_visit")."""
    names = h.columns.names
    if "VIS2ERR_STAT" not in names:
        return None, {}
    stat = _as_2d(h.data["VIS2ERR_STAT"], rows).ravel()
    terms = {}
    if "VIS2ERR_VISIT" in names:
        terms["_visit"] = _as_2d(h.data["VIS2ERR_VISIT"], rows).ravel()
    for k, name in cals.items():
        col = f"VIS2ERR_CAL{k}"
        if col in names:
            terms[name] = terms.get(name, 0.0) + _as_2d(h.data[col], rows).ravel()
    return stat, terms


def _read_file(path: Path) -> tuple[list[dict], list[dict], list[float]]:
    v2_parts: list[dict] = []
    t3_parts: list[dict] = []
    waves: list[float] = []
    try:
        hdul_cm = fits.open(path, memmap=False)
    except OSError as exc:
        raise OifitsReadError(f"{path.name}: not a FITS file ({exc})")
    with hdul_cm as hdul:
        wl = _wavelengths(hdul)
        stations = _stations(hdul)
        cals = _calibrators(hdul[0].header)
        for h in hdul:
            if h.name not in ("OI_VIS2", "OI_T3") or h.data is None or len(h.data) == 0:
                continue
            ins = h.header.get("INSNAME", "").strip()
            if ins not in wl:
                raise OifitsReadError(f"{path.name}: {h.name} refers to unknown INSNAME {ins!r}")
            lam = wl[ins]
            rows, nch = len(h.data), lam.size
            lam_flat = np.tile(lam, rows)
            flag = _as_2d(h.data["FLAG"], rows).astype(bool).ravel()
            mjd = _broadcast(h.data["MJD"], nch)
            if h.name == "OI_VIS2":
                arr = h.header.get("ARRNAME", "").strip()
                labels = np.array(["-".join(stations.get((arr, int(i)), str(int(i))) for i in pair)
                                   for pair in np.asarray(h.data["STA_INDEX"])])
                part = dict(
                    u=_broadcast(h.data["UCOORD"], nch), v=_broadcast(h.data["VCOORD"], nch), wavelength=lam_flat,
                    vis2=_as_2d(h.data["VIS2DATA"], rows).ravel(), vis2_err=_as_2d(h.data["VIS2ERR"], rows).ravel(),
                    mjd=mjd, baseline=np.repeat(labels, nch),
                )
                stat, terms = _error_split(h, rows, cals)
                part["vis2_err_stat"] = part["vis2_err"] if stat is None else stat
                keep = ~flag & np.isfinite(part["vis2"]) & np.isfinite(part["vis2_err"]) & (part["vis2_err"] > 0)
                keep &= np.isfinite(part["vis2_err_stat"]) & (part["vis2_err_stat"] > 0)
                kept = {k: val[keep] for k, val in part.items()}
                y = kept["vis2"]
                safe = np.where(y != 0, y, 1.0)  # relative: V²_cal ∝ 1/TF, so S/V² does not carry the noise of V²
                kept["terms"] = {name: np.where(y != 0, np.nan_to_num(t[keep]) / safe, 0.0)
                                 for name, t in terms.items()}
                kept["record"] = np.repeat(np.arange(rows), nch)[keep]
                kept["n_records"] = rows
                v2_parts.append(kept)
                waves.extend(lam.tolist())
            else:
                part = dict(
                    t3phi=_as_2d(h.data["T3PHI"], rows).ravel(), t3phi_err=_as_2d(h.data["T3PHIERR"], rows).ravel(),
                    u1=_broadcast(h.data["U1COORD"], nch), v1=_broadcast(h.data["V1COORD"], nch),
                    u2=_broadcast(h.data["U2COORD"], nch), v2=_broadcast(h.data["V2COORD"], nch),
                    wavelength=lam_flat, mjd=mjd,
                )
                keep = ~flag & np.isfinite(part["t3phi"]) & np.isfinite(part["t3phi_err"]) & (part["t3phi_err"] > 0)
                t3_parts.append({k: val[keep] for k, val in part.items()})
    return v2_parts, t3_parts, waves


def _concat(parts: list[dict], keys: Iterable[str]) -> dict[str, np.ndarray]:
    return {k: (np.concatenate([p[k] for p in parts]) if parts else np.array([])) for k in keys}


def read_oifits(paths: Iterable[str | Path]) -> OiData:
    """All V² and closure phases of the given files, flattened and filtered."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise OifitsReadError("no file given")
    v2_parts, t3_parts, waves = [], [], []
    for path in paths:
        a, b, w = _read_file(path)
        v2_parts += a
        t3_parts += b
        waves += w
    v2 = _concat(v2_parts, ["u", "v", "wavelength", "vis2", "vis2_err", "vis2_err_stat", "mjd", "baseline"])
    if any("_visit" in p["terms"] for p in v2_parts):
        v2["visit_rel"] = np.concatenate([p["terms"].get("_visit", np.zeros(p["vis2"].size)) for p in v2_parts])
        offsets = np.cumsum([0] + [p["n_records"] for p in v2_parts])
        v2["record"] = np.concatenate([p["record"] + o for p, o in zip(v2_parts, offsets, strict=False)])
    names = sorted({n for p in v2_parts for n in p["terms"] if n != "_visit"})
    if names:  # one column per calibrator star, zero where a file was not calibrated with it
        v2["cal_terms"] = np.concatenate([
            np.stack([p["terms"].get(n, np.zeros(p["vis2"].size)) for n in names], axis=1) for p in v2_parts])
        v2["cal_names"] = tuple(names)
    if v2["vis2"].size == 0:
        raise OifitsReadError("no usable V² point (no OI_VIS2, or everything flagged)")
    v2["night"] = night_labels(v2["mjd"])
    t3 = _concat(t3_parts, ["t3phi", "t3phi_err", "u1", "v1", "u2", "v2", "wavelength", "mjd"])
    return OiData(v2=V2Points(**v2), t3=T3Points(**t3), sources=tuple(str(p) for p in paths),
                  mean_wavelength=float(np.mean(waves)))
