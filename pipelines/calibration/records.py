"""Calibrator and science records as arrays: one visit per record set, rows in a canonical key order. Pure."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from pipelines.calibration.oifits_io import L1File


def split_records(f: L1File) -> list[L1File]:
    """One L1File per record set: a file with n records per baseline becomes n visits (every record used).

    The j-th record of each baseline (and of each triangle) goes to visit j, so each visit keeps one
    row per key and its own times.
    """
    def occurrence(keys: list[str]) -> np.ndarray:
        seen: dict[str, int] = {}
        out = []
        for k in keys:
            out.append(seen.get(k, 0))
            seen[k] = out[-1] + 1
        return np.array(out, dtype=int)

    occ = occurrence(f.bl_keys)
    if occ.size == 0 or occ.max() == 0:
        return [f]
    tocc = occurrence(f.tri_keys) if f.tri_keys else np.zeros(0, int)
    out = []
    for j in range(int(occ.max()) + 1):
        rows = np.flatnonzero(occ == j)
        trows = np.flatnonzero(tocc == j)
        sub = {name: getattr(f, name)[rows] for name in ("mjd", "u", "v", "vis2", "vis2_err", "vis2_flag")}
        sub["bl_keys"] = [f.bl_keys[i] for i in rows]
        if f.t3phi is not None:
            for name in ("t3_mjd", "u1", "v1", "u2", "v2", "t3amp", "t3amp_err", "t3phi", "t3phi_err", "t3_flag"):
                sub[name] = getattr(f, name)[trows]
            sub["tri_keys"] = [f.tri_keys[i] for i in trows]
        out.append(replace(f, **sub))
    return out


def align(files: list[L1File], keys: list[str], attr_keys: str, arrays: list[str]) -> dict[str, np.ndarray]:
    """Stack per-file row arrays in the canonical key order (NaN where a file lacks a row)."""
    out: dict[str, np.ndarray] = {}
    for name in arrays:
        stacked = []
        for f in files:
            src = getattr(f, name)
            rows = {k: i for i, k in enumerate(getattr(f, attr_keys))}
            shape = (len(keys),) + src.shape[1:]
            buf = np.full(shape, np.nan)
            for j, k in enumerate(keys):
                if k in rows:
                    buf[j] = src[rows[k]]
            stacked.append(buf)
        out[name] = np.array(stacked)
    return out
