"""Read the squared visibilities and closure phases of OIFITS files into flat numpy arrays.

Pure (numpy, no Django): the fitting code and the engines take these arrays,
whatever produced the file (SPICA, MIRC-X, Aspro2, PIONIER). The file is read
by `domain.oifits` (wavelength joins, station names, the usable-point rule);
here the points are flattened and the portal's L2 error split is attached.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from domain import oifits
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


def _error_split(t: oifits.OiTable, cals: dict[int, str]) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
    """VIS2ERR_STAT and the VIS2ERR_CALk columns (by calibrator name; VIS2ERR_VISIT as "_visit")."""
    names = t.columns
    if "VIS2ERR_STAT" not in names:
        return None, {}
    stat = t.channels("VIS2ERR_STAT").ravel()
    terms = {}
    if "VIS2ERR_VISIT" in names:
        terms["_visit"] = t.channels("VIS2ERR_VISIT").ravel()
    for k, name in cals.items():
        col = f"VIS2ERR_CAL{k}"
        if col in names:
            terms[name] = terms.get(name, 0.0) + t.channels(col).ravel()
    return stat, terms


def _vis2_part(t: oifits.OiTable, cals: dict[int, str]) -> dict:
    nch = t.wave.size
    part = dict(u=t.per_point(t.u), v=t.per_point(t.v), wavelength=t.wave_per_point,
                vis2=t.channels("VIS2DATA").ravel(), vis2_err=t.channels("VIS2ERR").ravel(),
                mjd=t.per_point(t.mjd), baseline=np.repeat(np.array(t.labels()), nch))
    stat, terms = _error_split(t, cals)
    part["vis2_err_stat"] = part["vis2_err"] if stat is None else stat
    keep = t.usable("VIS2DATA", "VIS2ERR").ravel()
    keep &= np.isfinite(part["vis2_err_stat"]) & (part["vis2_err_stat"] > 0)
    kept = {k: val[keep] for k, val in part.items()}
    y = kept["vis2"]
    safe = np.where(y != 0, y, 1.0)  # relative: V²_cal ∝ 1/TF, so S/V² does not carry the noise of V²
    kept["terms"] = {name: np.where(y != 0, np.nan_to_num(term[keep]) / safe, 0.0) for name, term in terms.items()}
    kept["record"] = np.repeat(np.arange(len(t)), nch)[keep]
    kept["n_records"] = len(t)
    return kept


def _t3_part(t: oifits.OiTable) -> dict:
    u1, v1, u2, v2 = t.uv_triangle
    part = dict(t3phi=t.channels("T3PHI").ravel(), t3phi_err=t.channels("T3PHIERR").ravel(),
                u1=t.per_point(u1), v1=t.per_point(v1), u2=t.per_point(u2), v2=t.per_point(v2),
                wavelength=t.wave_per_point, mjd=t.per_point(t.mjd))
    keep = t.usable("T3PHI", "T3PHIERR").ravel()
    return {k: val[keep] for k, val in part.items()}


def _read_file(path: Path) -> tuple[list[dict], list[dict], list[float]]:
    try:
        f = oifits.read(path, ("OI_VIS2", "OI_T3"))
    except oifits.OifitsError as exc:
        raise OifitsReadError(str(exc))
    if not f.wavelengths:
        raise OifitsReadError("no OI_WAVELENGTH table")
    if orphan := f.orphan_error(("OI_VIS2", "OI_T3")):
        raise OifitsReadError(orphan)
    cals = f.calibrators
    v2_parts = [_vis2_part(t, cals) for t in f.vis2 if len(t)]
    waves = [w for t in f.vis2 if len(t) for w in t.wave.tolist()]
    return v2_parts, [_t3_part(t) for t in f.t3 if len(t)], waves


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
