"""The observables of one target that the companion search fits: V² and closure phases with their band widths.

Pure (astropy + numpy, no Django). Unlike `oifits_io.read_oifits`, this keeps what a binary model
needs and a disk fit does not: each channel's EFF_BAND (bandwidth smearing), both baselines of a
triangle, and one record label per point (all channels of one OI_VIS2/OI_T3 row share their
calibration, so a bootstrap resamples rows, not channels). Nights come from `domain.site`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from domain import oifits
from domain.site import night_labels

MAS = np.pi / 180.0 / 3600.0 / 1000.0  # radians per mas


class CompanionDataError(ValueError):
    """The files hold nothing the companion search can use; the message names the file and the reason."""


@dataclass(frozen=True)
class Vis2Set:
    u: np.ndarray  # m
    v: np.ndarray  # m
    wavelength: np.ndarray  # m
    band: np.ndarray  # m (EFF_BAND)
    vis2: np.ndarray
    err: np.ndarray
    record: np.ndarray  # integer row label (unique over all files)
    night: np.ndarray  # integer CHARA night label
    err_stat: np.ndarray | None = None  # VIS2ERR_STAT of the portal's L2 error split, when every file has it
    calibration: np.ndarray | None = None  # (N, K) signed V² shift per calibrator star (VIS2ERR_CAL<k>)

    def __len__(self) -> int:
        return int(self.vis2.size)


@dataclass(frozen=True)
class ClosureSet:
    u1: np.ndarray
    v1: np.ndarray
    u2: np.ndarray
    v2: np.ndarray
    wavelength: np.ndarray
    band: np.ndarray
    cp: np.ndarray  # degrees
    err: np.ndarray  # degrees
    record: np.ndarray
    night: np.ndarray

    def __len__(self) -> int:
        return int(self.cp.size)


@dataclass(frozen=True)
class BinaryData:
    """V² and closure phases of one target (any number of files and nights)."""

    vis2: Vis2Set
    cp: ClosureSet
    sources: tuple[str, ...] = ()

    @property
    def n_points(self) -> int:
        return len(self.vis2) + len(self.cp)

    @property
    def max_baseline_over_lambda(self) -> float:
        """Largest B/λ of all V² baselines and triangle sides (cycles per radian)."""
        values = [np.hypot(self.vis2.u, self.vis2.v) / self.vis2.wavelength] if len(self.vis2) else []
        if len(self.cp):
            c = self.cp
            for uu, vv in ((c.u1, c.v1), (c.u2, c.v2), (c.u1 + c.u2, c.v1 + c.v2)):
                values.append(np.hypot(uu, vv) / c.wavelength)
        return float(max(np.max(x) for x in values))

    @property
    def smallest_scale_mas(self) -> float:
        """λ/B_max: the smallest spatial scale of the data (CANDID's grid step)."""
        return 1.0 / self.max_baseline_over_lambda / MAS

    @property
    def smearing_fov_mas(self) -> float:
        """λ²/(Δλ B_max): beyond this separation bandwidth smearing washes the companion's fringes out."""
        fovs = []
        for s in (self.vis2, self.cp):
            if len(s) == 0:
                continue
            base = (np.hypot(s.u, s.v) if isinstance(s, Vis2Set) else
                    np.maximum.reduce([np.hypot(s.u1, s.v1), np.hypot(s.u2, s.v2), np.hypot(s.u1 + s.u2, s.v1 + s.v2)]))
            fovs.append(np.min(s.wavelength**2 / s.band / np.max(base)) / MAS)
        return float(min(fovs))

    def with_values(self, vis2: np.ndarray | None = None, cp: np.ndarray | None = None,
                    vis2_err: np.ndarray | None = None, cp_err: np.ndarray | None = None) -> BinaryData:
        """Same coverage, other measured values (companion removed, injected, or simulated)."""
        v = replace(self.vis2, vis2=self.vis2.vis2 if vis2 is None else vis2,
                    err=self.vis2.err if vis2_err is None else vis2_err)
        if vis2_err is not None:  # new error bars: the file's error split no longer applies
            v = replace(v, err_stat=None, calibration=None)
        c = replace(self.cp, cp=self.cp.cp if cp is None else cp, err=self.cp.err if cp_err is None else cp_err)
        return BinaryData(vis2=v, cp=c, sources=self.sources)


def _read_one(path: Path, first_record: int) -> tuple[list[dict], list[dict], int]:
    try:
        f = oifits.read(path, ("OI_VIS2", "OI_T3"))
    except oifits.OifitsError as exc:
        raise CompanionDataError(str(exc))
    if not f.wavelengths:
        raise CompanionDataError(f"{path.name}: no OI_WAVELENGTH table")
    if orphan := f.orphan_error(("OI_VIS2", "OI_T3")):
        raise CompanionDataError(orphan)
    cal_names = f.calibrators
    vis2_parts, cp_parts, record = [], [], first_record
    for t in f.tables:  # file order: record labels follow it
        if t.extname not in ("OI_VIS2", "OI_T3") or len(t) == 0:
            continue
        band = np.abs(t.band)
        if not np.all(band > 0):
            raise CompanionDataError(f"{path.name}: EFF_BAND must be positive for bandwidth smearing")
        rows, nch = len(t), t.wave.size
        common = dict(wavelength=t.wave_per_point, band=np.tile(band, rows),
                      record=np.repeat(record + np.arange(rows), nch), mjd=t.per_point(t.mjd))
        record += rows
        if t.extname == "OI_VIS2":
            part = dict(common, u=t.per_point(t.u), v=t.per_point(t.v),
                        vis2=t.channels("VIS2DATA").ravel(), err=t.channels("VIS2ERR").ravel())
            keep, dest = t.usable("VIS2DATA", "VIS2ERR").ravel(), vis2_parts
            names = t.columns
            part["err_stat"] = (t.channels("VIS2ERR_STAT").ravel() if "VIS2ERR_STAT" in names
                                else np.full(rows * nch, np.nan))
            if "VIS2ERR_VISIT" in names:  # the TF-jitter term, taken here as independent like the rest
                part["err_stat"] = np.hypot(part["err_stat"], t.channels("VIS2ERR_VISIT").ravel())
            part["cal"] = {cal_names.get(k, f"{path.name}:{k}"): t.channels(f"VIS2ERR_CAL{k}").ravel()
                           for k in range(1, 100) if f"VIS2ERR_CAL{k}" in names}
        else:
            u1, v1, u2, v2 = (t.per_point(c) for c in t.uv_triangle)
            part = dict(common, u1=u1, v1=v1, u2=u2, v2=v2, cp=t.channels("T3PHI").ravel(),
                        err=t.channels("T3PHIERR").ravel())
            keep, dest = t.usable("T3PHI", "T3PHIERR").ravel(), cp_parts
        dest.append({k: ({n: c[keep] for n, c in a.items()} if isinstance(a, dict) else a[keep])
                     for k, a in part.items()})
    return vis2_parts, cp_parts, record


def _stack(parts: list[dict], keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    out = {k: (np.concatenate([p[k] for p in parts]) if parts else np.zeros(0)) for k in keys + ("mjd",)}
    out["record"] = out["record"].astype(int)
    mjd = out.pop("mjd")
    out["night"] = night_labels(mjd) if mjd.size else np.zeros(0, dtype=int)  # no closure phases: empty set
    return out


def _error_split(parts: list[dict], err_stat: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The statistical V² error and one column per calibrator star (same star, same column across files),
    when every file carries the split; otherwise (None, None) and VIS2ERR is used as independent."""
    if not parts or err_stat.size == 0 or not np.all(np.isfinite(err_stat)) or not np.all(err_stat > 0):
        return None, None
    names = sorted({n for p in parts for n in p["cal"]})
    sizes = [p["vis2"].size for p in parts]
    columns = np.zeros((sum(sizes), len(names)))
    start = 0
    for part, size in zip(parts, sizes, strict=True):
        for name, values in part["cal"].items():
            columns[start:start + size, names.index(name)] = values
        start += size
    return err_stat, columns


def read_binary_data(paths: Iterable[str | Path]) -> BinaryData:
    """V² and closure phases of the given files (flagged and non-finite points dropped)."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise CompanionDataError("no file given")
    vis2_parts, cp_parts, record = [], [], 0
    for path in paths:
        a, b, record = _read_one(path, record)
        vis2_parts += a
        cp_parts += b
    v = _stack(vis2_parts, ("u", "v", "wavelength", "band", "vis2", "err", "record", "err_stat"))
    v["err_stat"], v["calibration"] = _error_split(vis2_parts, v.pop("err_stat"))
    c = _stack(cp_parts, ("u1", "v1", "u2", "v2", "wavelength", "band", "cp", "err", "record"))
    if v["vis2"].size + c["cp"].size < 5:
        raise CompanionDataError("fewer than 5 usable V² or closure-phase points (everything flagged?)")
    return BinaryData(vis2=Vis2Set(**v), cp=ClosureSet(**c), sources=tuple(str(p) for p in paths))
