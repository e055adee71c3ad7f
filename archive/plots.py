"""Plot data of the review page: V² and closure phase against spatial frequency (pure, no Django)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits


def _waves(hdul) -> dict[str, np.ndarray]:
    return {str(h.header.get("INSNAME", "")).strip(): np.asarray(h.data["EFF_WAVE"], float)
            for h in hdul if h.name == "OI_WAVELENGTH" and h.data is not None}


def review_plot_data(path: Path, max_points: int = 20000) -> dict:
    """{"vis2": {x, y, err}, "t3phi": {x, y, err}}: x in Mλ (B/λ, longest baseline for triangles)."""
    out = {"vis2": {"x": [], "y": [], "err": []}, "t3phi": {"x": [], "y": [], "err": []}}
    try:
        with fits.open(path, memmap=False) as hdul:
            waves = _waves(hdul)
            for hdu in hdul:
                wave = waves.get(str(hdu.header.get("INSNAME", "")).strip())
                if wave is None or hdu.data is None or not len(hdu.data):
                    continue
                d = hdu.data
                if hdu.name == "OI_VIS2":
                    base = np.hypot(d["UCOORD"], d["VCOORD"])[:, None]
                    _add(out["vis2"], base / wave / 1e6, d["VIS2DATA"], d["VIS2ERR"], d["FLAG"], len(wave))
                elif hdu.name == "OI_T3":
                    b1 = np.hypot(d["U1COORD"], d["V1COORD"])
                    b2 = np.hypot(d["U2COORD"], d["V2COORD"])
                    b3 = np.hypot(d["U1COORD"] + d["U2COORD"], d["V1COORD"] + d["V2COORD"])
                    base = np.max([b1, b2, b3], axis=0)[:, None]
                    _add(out["t3phi"], base / wave / 1e6, d["T3PHI"], d["T3PHIERR"], d["FLAG"], len(wave))
    except Exception as exc:  # noqa: BLE001 - the page shows the checker report instead
        out["error"] = f"{type(exc).__name__}: {exc}"
    for series in ("vis2", "t3phi"):
        for axis in ("x", "y", "err"):
            out[series][axis] = out[series][axis][:max_points]
    return out


def _add(series: dict, x, y, err, flag, nwave: int) -> None:
    shape = (len(y), nwave)
    x = np.broadcast_to(x, shape)
    y, err = np.asarray(y, float).reshape(shape), np.asarray(err, float).reshape(shape)
    keep = ~np.asarray(flag, bool).reshape(shape) & np.isfinite(y) & np.isfinite(err)
    series["x"] += np.round(x[keep], 4).tolist()
    series["y"] += np.round(y[keep], 5).tolist()
    series["err"] += np.round(err[keep], 5).tolist()
