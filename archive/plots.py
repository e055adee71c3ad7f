"""Plot data of the review page: V² and closure phase against spatial frequency (pure, no Django)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from domain import oifits


def review_plot_data(path: Path, max_points: int = 20000) -> dict:
    """{"vis2": {x, y, err}, "t3phi": {x, y, err}}: x in Mλ (B/λ, longest baseline for triangles)."""
    out = {"vis2": {"x": [], "y": [], "err": []}, "t3phi": {"x": [], "y": [], "err": []}}
    try:
        f = oifits.read(path, ("OI_VIS2", "OI_T3"))
        for t in f.vis2:
            _add(out["vis2"], t, "VIS2DATA", "VIS2ERR")
        for t in f.t3:
            _add(out["t3phi"], t, "T3PHI", "T3PHIERR")
    except Exception as exc:  # noqa: BLE001 - the page shows the checker report instead
        out["error"] = f"{type(exc).__name__}: {exc}"
    for series in ("vis2", "t3phi"):
        for axis in ("x", "y", "err"):
            out[series][axis] = out[series][axis][:max_points]
    return out


def _add(series: dict, t: oifits.OiTable, value: str, error: str) -> None:
    if not len(t):
        return
    keep = t.usable(value, error)
    series["x"] += np.round(t.spatial_frequency[keep] / 1e6, 4).tolist()
    series["y"] += np.round(t.channels(value)[keep], 5).tolist()
    series["err"] += np.round(t.channels(error)[keep], 5).tolist()
