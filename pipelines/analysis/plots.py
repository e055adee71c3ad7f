"""Plotly figure specs (plain dicts, rendered by static/js/plotly.min.js) for L3 pages. No Django import."""
from __future__ import annotations

import math

import numpy as np

from pipelines.analysis.fitting import vis2_model
from pipelines.analysis.oifits_io import OiData

MEGA = 1e6
# Surface-brightness relation of dwarfs and subgiants, Kervella et al. 2004 (A&A 426, 297):
# log θ_LD = 0.2753 (V−K) + 0.5175 − 0.2 V, valid for −0.1 < V−K < 3.7.
SBCR_SLOPE, SBCR_ZERO = 0.2753, 0.5175
_LAYOUT = {
    "margin": {"l": 60, "r": 20, "t": 40, "b": 50}, "template": "plotly_white",
    "legend": {"x": 0.99, "xanchor": "right", "y": 0.98, "yanchor": "top", "bgcolor": "rgba(255,255,255,0.85)"},
}


def sbcr_diameter(v: float | None, k: float | None) -> float | None:
    if v is None or k is None:
        return None
    return 10 ** (SBCR_SLOPE * (v - k) + SBCR_ZERO - 0.2 * v)


# SVG traces (not scattergl): they draw without WebGL and without `eval`, which the enforced CSP forbids.
# A few thousand points with error bars stay responsive in SVG; beyond that every k-th point is shown.
SVG_POINTS = 3000


def _thin(n: int, limit: int = SVG_POINTS) -> slice:
    return slice(None, None, max(1, math.ceil(n / limit)))


def target_figures(data: OiData, row) -> dict:
    """V² vs B/λ with the UD and LD curves, and closure phases vs the longest baseline of each triangle."""
    v2 = data.v2
    sf = v2.spatial_frequency
    keep = _thin(len(v2))
    grid = np.linspace(0.0, float(sf.max()) * 1.05, 400)
    traces = [{"type": "scatter", "mode": "markers", "name": "V² (L2)", "x": (sf[keep] / MEGA).tolist(),
               "y": v2.vis2[keep].tolist(), "error_y": {"type": "data", "array": v2.vis2_err[keep].tolist(),
                                                         "visible": True, "thickness": 0.6},
               "marker": {"size": 4, "color": "#5b6475", "opacity": 0.6}}]
    if row.ud_mas:
        traces.append({"type": "scatter", "mode": "lines", "name": f"UD {row.ud_mas:.4f} mas",
                       "x": (grid / MEGA).tolist(), "y": vis2_model(grid, row.ud_mas).tolist(),
                       "line": {"color": "#2457a6", "width": 2}})
    if row.ld_mas:
        traces.append({"type": "scatter", "mode": "lines", "name": f"LD {row.ld_mas:.4f} mas ({row.ld_law})",
                       "x": (grid / MEGA).tolist(),
                       "y": vis2_model(grid, row.ld_mas, model="ld", law=row.ld_law or "power",
                                       coeff=row.ld_coeff or 0.0).tolist(),
                       "line": {"color": "#b3261e", "width": 2, "dash": "dash"}})
    v2_fig = {"data": traces, "layout": {**_LAYOUT, "title": {"text": f"{row.target.name}: V² vs spatial frequency"},
                                         "xaxis": {"title": {"text": "B/λ (10⁶ rad⁻¹)"}, "rangemode": "tozero"},
                                         "yaxis": {"title": {"text": "V²"}}}}
    t3 = data.t3
    cp_fig = None
    if len(t3):
        k = _thin(len(t3))
        cp_fig = {"data": [{"type": "scatter", "mode": "markers", "name": "closure phase",
                            "x": (t3.max_spatial_frequency[k] / MEGA).tolist(), "y": t3.t3phi[k].tolist(),
                            "error_y": {"type": "data", "array": t3.t3phi_err[k].tolist(), "thickness": 0.6},
                            "marker": {"size": 4, "color": "#a76b00", "opacity": 0.6}}],
                  "layout": {**_LAYOUT, "title": {"text": "Closure phases (a single disk gives 0° or ±180°)"},
                             "xaxis": {"title": {"text": "longest B/λ of the triangle (10⁶ rad⁻¹)"}},
                             "yaxis": {"title": {"text": "closure phase (°)"}, "range": [-190, 190],
                                       "tickvals": [-180, -90, 0, 90, 180]}}}
    return {"v2": v2_fig, "cp": cp_fig}


def survey_figures(rows, url_for) -> dict:
    """UD vs V−K, SBCR-normalised LD vs V−K (outliers stand out) and UD vs V, from readable fitted rows."""
    groups = {"clean": ([], "#1f7a3a"), "flagged": ([], "#b3261e")}
    for r in rows:
        t = r.target
        if r.ud_mas is None or t.mag_v is None or t.mag_k is None:
            continue
        groups["flagged" if r.flags else "clean"][0].append(r)

    def scatter(x_of, y_of, name, items, color):
        return {"type": "scatter", "mode": "markers", "name": name, "x": [x_of(r) for r in items],
                "y": [y_of(r) for r in items], "text": [f"{r.target.name} ({r.instrument}) {r.flags}" for r in items],
                "customdata": [url_for(r) for r in items], "hovertemplate": "%{text}<br>%{x:.2f}, %{y:.3f}",
                "marker": {"size": 7, "color": color, "opacity": 0.8}}

    def vk(r):
        return r.target.mag_v - r.target.mag_k

    def sb(r):
        return math.log10(r.ld_mas or r.ud_mas) + 0.2 * r.target.mag_v

    figs = {}
    specs = [
        ("vk", vk, lambda r: r.ud_mas, "UD diameter vs V−K", "V−K (mag)", "UD (mas)", "log"),
        ("sbcr", vk, sb, "Surface brightness: log θ_LD + 0.2 V vs V−K (line: Kervella 2004)", "V−K (mag)",
         "log θ_LD + 0.2 V", "linear"),
        ("mag", lambda r: r.target.mag_v, lambda r: r.ud_mas, "UD diameter vs V magnitude", "V (mag)", "UD (mas)",
         "log"),
    ]
    for key, x_of, y_of, title, xt, yt, ytype in specs:
        data = [scatter(x_of, y_of, name, items, color) for name, (items, color) in groups.items() if items]
        if key == "sbcr":
            xs = [-0.1, 3.7]
            data.append({"type": "scatter", "mode": "lines", "name": "SBCR dwarfs", "x": xs,
                         "y": [SBCR_SLOPE * x + SBCR_ZERO for x in xs], "line": {"color": "#2457a6", "dash": "dot"}})
        figs[key] = {"data": data, "layout": {**_LAYOUT, "title": {"text": title}, "xaxis": {"title": {"text": xt}},
                                              "yaxis": {"title": {"text": yt}, "type": ytype,
                                                                        **({"dtick": "D2"} if ytype == "log" else {})}}}
    figs["count"] = sum(len(items) for items, _ in groups.values())
    return figs
