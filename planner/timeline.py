"""The plan's timeline as a Plotly figure dict: altitude vs time per science target (pure)."""
from __future__ import annotations

import datetime as dt

import numpy as np

PALETTE = ["#2457a6", "#c0392b", "#1f7a3a", "#a76b00", "#7d3c98", "#117a8b", "#d35400", "#566573"]


def figure(*, times: list[dt.datetime], altitude: np.ndarray, names: list[str],
           blocks: list[tuple[dt.datetime, dt.datetime]], share: tuple[dt.datetime, dt.datetime],
           min_altitude: float) -> dict:
    """One faint curve per target over the night, drawn bold during its CAL-SCI-CAL block."""
    iso = [t.isoformat() for t in times]
    ts = np.array([t.timestamp() for t in times])
    traces = []
    for k, name in enumerate(names):
        color = PALETTE[k % len(PALETTE)]
        alt = np.round(altitude[k], 2)
        traces.append({"type": "scatter", "mode": "lines", "x": iso, "y": alt.tolist(), "name": name,
                       "legendgroup": name, "showlegend": False, "hoverinfo": "skip",
                       "line": {"color": color, "width": 1, "dash": "dot"}})
        start, end = blocks[k]
        inside = (ts >= start.timestamp() - 1) & (ts <= end.timestamp() + 1)
        traces.append({"type": "scatter", "mode": "lines", "x": [iso[i] for i in np.flatnonzero(inside)],
                       "y": alt[inside].tolist(), "name": f"{k + 1}. {name}", "legendgroup": name,
                       "line": {"color": color, "width": 4},
                       "hovertemplate": f"{name}<br>%{{x|%H:%M}} UT<br>alt %{{y:.0f}}°<extra></extra>"})
    shapes = [
        {"type": "rect", "xref": "x", "yref": "paper", "x0": share[0].isoformat(), "x1": share[1].isoformat(),
         "y0": 0, "y1": 1, "fillcolor": "#2457a6", "opacity": 0.06, "line": {"width": 0}},
        {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": min_altitude, "y1": min_altitude,
         "line": {"color": "#b3261e", "width": 1, "dash": "dash"}},
    ]
    layout = {"margin": {"l": 50, "r": 10, "t": 30, "b": 40}, "height": 420,
              "xaxis": {"title": {"text": "UT"}, "tickformat": "%H:%M"},
              "yaxis": {"title": {"text": "altitude (°)"}, "range": [0, 90]},
              "legend": {"orientation": "v", "font": {"size": 11}}, "shapes": shapes,
              "annotations": [{"xref": "paper", "x": 0.01, "y": min_altitude, "yanchor": "bottom",
                               "text": f"altitude limit {min_altitude:g}°", "showarrow": False,
                               "font": {"color": "#b3261e", "size": 11}}]}
    return {"data": traces, "layout": layout}
