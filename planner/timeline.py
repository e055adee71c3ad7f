"""The plan's timeline (pure): altitude vs time per science target (Plotly figure dict) and the
sequence strip (SVG geometry): twilight bands, the program's share, each block's CAL, SCI, CAL parts.

Twilight comes from domain.observability (the Sun's altitude at CHARA): nautical twilight is the Sun
between -6 and -12 deg, astronomical twilight between -12 and -18 deg; blocks lie in the astronomical night.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from domain.observability import Twilight

PALETTE = ["#2457a6", "#c0392b", "#1f7a3a", "#a76b00", "#7d3c98", "#117a8b", "#d35400", "#566573"]


def figure(*, times: list[dt.datetime], altitude: np.ndarray, names: list[str],
           blocks: list[tuple[dt.datetime, dt.datetime]], share: tuple[dt.datetime, dt.datetime],
           min_altitude: float, twilight: Twilight | None = None) -> dict:
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
    if twilight is not None:
        shapes += [{"type": "rect", "xref": "x", "yref": "paper", "x0": a.isoformat(), "x1": b.isoformat(),
                    "y0": 0, "y1": 1, "fillcolor": color, "opacity": 0.35, "line": {"width": 0}, "layer": "below"}
                   for a, b, _, color in twilight_bands(twilight)]
    layout = {"margin": {"l": 50, "r": 10, "t": 30, "b": 40}, "height": 420,
              "xaxis": {"title": {"text": "UT"}, "tickformat": "%H:%M"},
              "yaxis": {"title": {"text": "altitude (°)"}, "range": [0, 90]},
              "legend": {"orientation": "v", "font": {"size": 11}}, "shapes": shapes,
              "annotations": [{"xref": "paper", "x": 0.01, "y": min_altitude, "yanchor": "bottom",
                               "text": f"altitude limit {min_altitude:g}°", "showarrow": False,
                               "font": {"color": "#b3261e", "size": 11}}]}
    return {"data": traces, "layout": layout}


NAUTICAL_COLOR, ASTRONOMICAL_COLOR = "#9fb3c8", "#5b6f86"
CAL_COLOR, SCI_COLOR = "#a76b00", "#2457a6"
WIDTH, HEIGHT = 1000, 70  # SVG user units; the strip scales to the page width


def twilight_bands(tw: Twilight) -> list[tuple[dt.datetime, dt.datetime, str, str]]:
    """(start, end, label, colour) of the four twilight bands around the astronomical night."""
    return [(tw.civil_end, tw.nautical_end, "nautical twilight", NAUTICAL_COLOR),
            (tw.nautical_end, tw.astronomical_end, "astronomical twilight", ASTRONOMICAL_COLOR),
            (tw.astronomical_start, tw.nautical_start, "astronomical twilight", ASTRONOMICAL_COLOR),
            (tw.nautical_start, tw.civil_start, "nautical twilight", NAUTICAL_COLOR)]


def block_parts(start: dt.datetime, *, calibrator_minutes: int, science_minutes: int,
                names: tuple[str, str, str]) -> list[tuple[str, dt.datetime, dt.datetime, str]]:
    """(kind, start, end, star) of the CAL, SCI and CAL parts of one block."""
    cal, sci = dt.timedelta(minutes=calibrator_minutes), dt.timedelta(minutes=science_minutes)
    return [("cal", start, start + cal, names[0]), ("sci", start + cal, start + cal + sci, names[1]),
            ("cal", start + cal + sci, start + 2 * cal + sci, names[2])]


def strip(*, twilight: Twilight, share: tuple[dt.datetime, dt.datetime],
          blocks: list[tuple[dt.datetime, tuple[str, str, str]]], calibrator_minutes: int,
          science_minutes: int) -> dict:
    """Rectangles (x, width in SVG units) from the end of civil twilight to its start in the morning."""
    t0, t1 = twilight.civil_end, twilight.civil_start
    scale = WIDTH / (t1 - t0).total_seconds()

    def rect(a: dt.datetime, b: dt.datetime, **extra) -> dict:
        x = max((a - t0).total_seconds() * scale, 0.0)
        return {"x": round(x, 2), "width": round(max((b - t0).total_seconds() * scale - x, 0.0), 2), **extra}

    bands = [rect(a, b, label=f"{label} {a:%H:%M}–{b:%H:%M} UT", color=color, kind=label.split()[0])
             for a, b, label, color in twilight_bands(twilight)]
    parts = []
    for k, (start, names) in enumerate(blocks, 1):
        for kind, a, b, star in block_parts(start, calibrator_minutes=calibrator_minutes,
                                            science_minutes=science_minutes, names=names):
            label = f"{k}. {'CAL' if kind == 'cal' else 'SCI'} {star} {a:%H:%M}–{b:%H:%M} UT"
            parts.append(rect(a, b, kind=kind, label=label, color=CAL_COLOR if kind == "cal" else SCI_COLOR))
    first_hour = t0.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    ticks = []
    while first_hour < t1:
        ticks.append({"x": round((first_hour - t0).total_seconds() * scale, 2), "label": f"{first_hour:%H}h"})
        first_hour += dt.timedelta(hours=1)
    return {"width": WIDTH, "height": HEIGHT, "bands": bands, "share": rect(*share), "parts": parts,
            "ticks": ticks, "cal_color": CAL_COLOR, "sci_color": SCI_COLOR}
