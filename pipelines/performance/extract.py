"""What an L1 file says about the instrument's performance: SNR per baseline, exposure, tau0.

No Django import. Reads through the calibration's L1 reader so both agree on
what a valid point is (flagged points are NaN there).
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.calibration.oifits_io import L1File, read_l1
from pipelines.calibration.transfer import ud_vis2


def _number(header: dict[str, Any], *keys: str) -> float | None:
    for key in keys:
        value = header.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value) and value > 0:
            return float(value)
    return None


def exposure_of(header: dict[str, Any]) -> tuple[float | None, float | None, float | None]:
    """(frame time s, total exposure s, number of frames) from SPICA or MIRC-X/MYSTIC keywords."""
    dit = _number(header, "DET DIT")
    if dit is None and (ms := _number(header, "EXPOSURE")) is not None:
        dit = ms / 1000.0
    total = _number(header, "EXPTIME")
    n_frames = _number(header, "DET NDIT", "NFRAMES")
    if n_frames is None and dit and total:
        n_frames = max(1.0, round(total / dit))
    return dit, total, n_frames


def samples_from_l1(l1: L1File) -> list[dict[str, Any]]:
    """One sample per baseline: median SNR of V² over valid channels, and the conditions."""
    dit, total, n_frames = exposure_of(l1.header)
    tau0_ms = _number(l1.header, "T0", "TAU0")
    r0_cm = _number(l1.header, "R0")
    diameter, _ = l1.header_diameter
    spfreq = l1.spfreq
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        snr = np.where(l1.vis2_err > 0, l1.vis2 / l1.vis2_err, np.nan)
        for i, key in enumerate(l1.bl_keys):
            if not np.any(np.isfinite(snr[i])):
                continue
            v2 = float(np.nanmedian(l1.vis2[i]))
            tf2 = None
            if l1.role == "CALIBRATION" and diameter:
                model = ud_vis2(spfreq[i], diameter)
                tf2 = float(np.nanmedian(l1.vis2[i] / np.where(model > 0.05, model, np.nan)))
                tf2 = tf2 if np.isfinite(tf2) else None
            rows.append({
                "baseline": key, "mjd": float(l1.mjd[i]), "snr_v2": float(np.nanmedian(snr[i])), "v2": v2,
                "tf2": tf2, "dit_s": dit, "exptime_s": total, "n_frames": n_frames, "tau0_ms": tau0_ms,
                "r0_cm": r0_cm, "role": l1.role, "mode": l1.mode, "instrument": l1.instrument, "target": l1.target,
            })
    return rows


def samples_from_path(path: Path) -> list[dict[str, Any]]:
    return samples_from_l1(read_l1(Path(path)))
