"""Plotly figure specs of a companion screen (the L3 product's JSON): the Δχ² map and the detection limits.

Plain dicts, no Django; drawn by static/js/plotly.min.js like the other L3 plots. The map is a heatmap
(an <image>, allowed by the CSP's img-src data:); the limits are SVG scatter traces, every point drawn.
"""
from __future__ import annotations

from pipelines.analysis.plots import _LAYOUT


def companion_figures(content: dict) -> dict:
    """{"map": ..., "limits": ...} from the stored screen (either may be missing)."""
    out = {}
    cmap = content.get("chi2_map")
    comp = content.get("companion") or {}
    if cmap:
        traces = [{"type": "heatmap", "name": "Δχ² (first order)", "x": cmap["x_mas"], "y": cmap["y_mas"],
                   "z": cmap["delta_chi2"], "colorscale": "Viridis", "colorbar": {"title": {"text": "Δχ²"}}}]
        if comp:
            traces.append({"type": "scatter", "mode": "markers", "name": f"best companion ({comp['nsigma']:.1f}σ)",
                           "x": [comp["x_mas"]], "y": [comp["y_mas"]],
                           "error_x": {"type": "data", "array": [comp["x_err_mas"]], "visible": True},
                           "error_y": {"type": "data", "array": [comp["y_err_mas"]], "visible": True},
                           "marker": {"symbol": "x", "size": 12, "color": "#ff4d4d"}})
        out["map"] = {"data": traces, "layout": {
            **_LAYOUT, "title": {"text": "Companion search: Δχ² of a faint companion at each position"},
            "xaxis": {"title": {"text": "Δα (mas, East)"}, "autorange": "reversed", "scaleanchor": "y"},
            "yaxis": {"title": {"text": "Δδ (mas, North)"}}}}
    limits = content.get("limits")
    if limits:
        traces = [{"type": "scatter", "mode": "lines+markers", "name": f"{level}σ limit",
                   "x": limits["separation_mas"], "y": limits[f"flux_ratio_{level}sigma_percent"],
                   "line": {"color": color, "dash": dash}, "marker": {"size": 5, "color": color}}
                  for level, color, dash in ((3, "#8a94a6", "dot"), (5, "#2457a6", "solid"))]
        if comp:
            traces.append({"type": "scatter", "mode": "markers", "name": "best companion",
                           "x": [comp["separation_mas"]], "y": [comp["flux_ratio_percent"]],
                           "error_y": {"type": "data", "array": [comp["flux_ratio_err_percent"]], "visible": True},
                           "marker": {"symbol": "star", "size": 12, "color": "#b3261e"}})
        out["limits"] = {"data": traces, "layout": {
            **_LAYOUT, "title": {"text": f"Detection limits ({limits['percentile_of_position_angles']:.0f}% of "
                                         "position angles)"},
            "xaxis": {"title": {"text": "separation (mas)"}, "type": "log"},
            "yaxis": {"title": {"text": "flux ratio (%)"}, "type": "log"}}}
    return out
