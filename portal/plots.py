"""Plotly figures of the survey pages, rendered as HTML fragments (plotly.js served from static/js)."""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from astropy.io import fits

from domain import oifits
from issp_portal.plots import figure_html
from surveys.coords import format_dec_many, format_ra_many, ra_hours
from surveys.progress import DONE, IN_PROGRESS, NO_GOAL, NOT_STARTED

log = logging.getLogger(__name__)
STATUS_COLOURS = {DONE: "#1f7a3a", IN_PROGRESS: "#d08a00", NOT_STARTED: "#8a94a6", NO_GOAL: "#c5cbd8"}
LAYOUT = dict(margin=dict(l=50, r=20, t=40, b=45), paper_bgcolor="white", plot_bgcolor="white",
              font=dict(family="system-ui, sans-serif", size=12))


def _html(fig: go.Figure, div_id: str, height: int = 380) -> str:
    return figure_html(fig, div_id, height)


def completion_over_time(series: dict[str, list], div_id: str = "plot-progress") -> str | None:
    """Completion per program after each observing night."""
    if not series:
        return None
    fig = go.Figure()
    for code, points in series.items():
        fig.add_trace(go.Scatter(x=[d for d, _ in points], y=[100 * v for _, v in points], mode="lines+markers",
                                 name=code, line_shape="hv"))
    fig.update_layout(title="Completion over time", yaxis=dict(title="completion (%)", rangemode="tozero"),
                      xaxis=dict(title="night"), legend=dict(orientation="h", y=-0.2), **LAYOUT)
    return _html(fig, div_id)


def nights_bar(programs: list, div_id: str = "plot-nights") -> str | None:
    """Nights used, lost and still scheduled per program (stacked, allocated = total)."""
    if not programs:
        return None
    codes = [p.program.code for p in programs]
    fig = go.Figure()
    for label, attr, colour in [("used", "nights_used", "#1f7a3a"), ("lost", "nights_lost", "#b3261e"),
                                ("scheduled", "nights_scheduled", "#9fb3d9")]:
        fig.add_trace(go.Bar(x=codes, y=[getattr(p, attr) for p in programs], name=label, marker_color=colour))
    fig.update_layout(barmode="stack", title="Nights used vs allocated", yaxis=dict(title="nights"),
                      legend=dict(orientation="h", y=-0.2), **LAYOUT)
    return _html(fig, div_id)


def sky_map(rows: list[dict], div_id: str = "plot-sky") -> str | None:
    """Targets on an equatorial RA/Dec chart (RA in hours, increasing to the left), coloured by status.

    A plain Cartesian chart on purpose: Plotly's geo projections fetch map data from a CDN.
    """
    if not rows:
        return None
    traces = []
    for status, colour in STATUS_COLOURS.items():
        sel = [r for r in rows if r.get("status", NO_GOAL) == status]
        if not sel:
            continue
        ras, decs = [r["ra_deg"] for r in sel], [r["dec_deg"] for r in sel]
        traces.append(dict(
            type="scatter", x=ra_hours(ras), y=decs, mode="markers", name=status, hoverinfo="text",
            marker=dict(size=8, color=colour, line=dict(width=0.5, color="#333")),
            text=[f"{r['name']}<br>{ra} {dec}"
                  for r, ra, dec in zip(sel, format_ra_many(ras), format_dec_many(decs), strict=True)],
        ))
    layout = dict(
        title=dict(text="Sky map (ICRS)"), legend=dict(orientation="h", y=-0.18), autosize=True, height=380,
        xaxis=dict(title=dict(text="right ascension (h)"), range=[24, 0], dtick=2, gridcolor="#dde1ea", zeroline=False),
        yaxis=dict(title=dict(text="declination (deg)"), range=[-90, 90], dtick=30, gridcolor="#dde1ea",
                   zeroline=False),
        **LAYOUT,
    )
    # A plain dict skips plotly's per-point validation: thousands of targets render in a few ms.
    return figure_html({"data": traces, "layout": layout}, div_id, 380)


def uv_points(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(u, v, wavelength-independent baseline length) in metres from the OI_VIS2 tables (else OI_VIS)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", fits.verify.VerifyWarning)  # a damaged file is skipped, not half-read
        f = oifits.read(path)
    tables = f.vis2 or f.vis
    if not tables:
        return np.array([]), np.array([]), np.array([])
    u, v = np.concatenate([t.u for t in tables]), np.concatenate([t.v for t in tables])
    return u, v, np.hypot(u, v)


def uv_coverage(files: list[tuple[str, Path]], div_id: str = "plot-uv") -> str | None:
    """uv plane of the target's OIFITS files (label, path); unreadable files are skipped."""
    fig = go.Figure()
    n = 0
    for label, path in files:
        try:
            u, v, _ = uv_points(path)
        except (OSError, KeyError, ValueError, TypeError, fits.verify.VerifyWarning) as exc:
            log.warning("uv coverage: cannot read %s: %s", path, exc)
            continue
        if not len(u):
            continue
        n += len(u)
        fig.add_trace(go.Scatter(x=np.concatenate([u, -u]), y=np.concatenate([v, -v]), mode="markers",
                                 name=label, marker=dict(size=6)))
    if not n:
        return None
    fig.update_layout(title="uv coverage", xaxis=dict(title="u (m), east", autorange="reversed", constrain="domain",
                                                      zeroline=True, zerolinecolor="#dde1ea"),
                      yaxis=dict(title="v (m), north", scaleanchor="x", zeroline=True, zerolinecolor="#dde1ea"),
                      legend=dict(orientation="h", y=-0.25), **LAYOUT)
    return _html(fig, div_id, height=460)


def observations_timeline(observations: list, div_id: str = "plot-timeline") -> str | None:
    """Each observation of a target as a marker per instrument, coloured by outcome."""
    if not observations:
        return None
    colours = {"executed": "#1f7a3a", "failed": "#b3261e", "aborted": "#d08a00"}
    fig = go.Figure()
    for status, colour in colours.items():
        sel = [o for o in observations if o.status == status]
        if sel:
            fig.add_trace(go.Scatter(
                x=[o.start for o in sel], y=[o.instrument for o in sel], mode="markers", name=status,
                marker=dict(size=11, color=colour, symbol="diamond"),
                text=[f"{o.program.code} {o.mode} {o.stations}" for o in sel], hoverinfo="text+x",
            ))
    fig.update_layout(title="Observations", legend=dict(orientation="h", y=-0.35), **LAYOUT)
    return _html(fig, div_id, height=260)
