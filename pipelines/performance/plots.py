"""Plots of the performance pages (Plotly, drawn by static/js/portal-plots.js)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from issp_portal.plots import LAYOUT, figure_html
from pipelines.performance.selectors import SNR_LIMIT, ModeSummary, limiting_magnitude_history, tf_levels


def snr_vs_magnitude(summary: ModeSummary, div_id: str):
    s = summary.samples
    ok = np.isfinite(s["mag"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=s["mag"][ok], y=s["snr_v2"][ok], mode="markers", name="baselines",
        marker=dict(size=5, color=s["tau0_ms"][ok], colorscale="Viridis", showscale=True,
                    colorbar=dict(title="τ0 (ms)")),
        hovertemplate="mag %{x:.2f}<br>SNR %{y:.1f}<extra></extra>"))
    if summary.fit is not None and ok.any():
        t = summary.typical()
        grid = np.linspace(np.nanmin(s["mag"]) - 0.5, np.nanmax(s["mag"]) + 1.0, 120)
        fig.add_trace(go.Scatter(x=grid, y=summary.fit.law.snr(grid, t["t_exp"], t["tau0"], t["n_frames"]),
                                 mode="lines", name=f"noise law (τ0 = {1000 * t['tau0']:.1f} ms)",
                                 line=dict(color="#b3261e")))
        fig.add_hline(y=SNR_LIMIT, line=dict(dash="dot", color="#5b6475"))
    fig.update_layout(title=f"{summary.key}: V² SNR vs magnitude", xaxis=dict(title="magnitude (science band)"),
                      yaxis=dict(title="SNR of V² (per baseline)", type="log"),
                      legend=dict(orientation="h", y=-0.25), **LAYOUT)
    return figure_html(fig, div_id)


def limiting_magnitude_trend(summaries: list[ModeSummary], div_id: str):
    fig = go.Figure()
    for summary in summaries:
        rows = limiting_magnitude_history(summary)
        if rows:
            fig.add_trace(go.Scatter(x=[r["month"] for r in rows], y=[r["limiting_mag"] for r in rows],
                                     mode="lines+markers", name=summary.key,
                                     hovertemplate="%{x}: %{y:.2f} mag<extra></extra>"))
    if not fig.data:
        return None
    fig.update_layout(title=f"Limiting magnitude (V² SNR = {SNR_LIMIT:g}) per month",
                      yaxis=dict(title="limiting magnitude"), legend=dict(orientation="h", y=-0.25), **LAYOUT)
    return figure_html(fig, div_id)


def tf_level_by_semester(summaries: list[ModeSummary], div_id: str):
    fig = go.Figure()
    for summary in summaries:
        for semester, values in tf_levels(summary).items():
            fig.add_trace(go.Box(y=values, name=f"{summary.key} {semester}", boxpoints=False))
    if not fig.data:
        return None
    fig.update_layout(title="Transfer function level (TF² on calibrators) per semester", showlegend=False,
                      yaxis=dict(title="TF²", rangemode="tozero"), **LAYOUT)
    return figure_html(fig, div_id)
