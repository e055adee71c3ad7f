"""Plotly figures as CSP-safe HTML: the figure travels as JSON data, static/js/portal-plots.js draws it.

No inline script is emitted, so pages keep `script-src 'self'` without nonces.
"""
from __future__ import annotations

import plotly.io as pio

from django.utils.html import format_html
from django.utils.safestring import SafeString

CONFIG = {"displaylogo": False, "responsive": True}
LAYOUT = dict(margin=dict(l=55, r=20, t=40, b=45), paper_bgcolor="white", plot_bgcolor="white",
              font=dict(family="system-ui, sans-serif", size=12))
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def figure_html(fig, div_id: str, height: int = 380) -> SafeString:
    """A <div> that portal-plots.js fills with the figure (plotly.min.js must be on the page).

    `fig` is a plotly Figure or a plain {"data", "layout"} dict (which skips plotly's
    per-point validation: thousands of points serialise in milliseconds).
    """
    if isinstance(fig, dict):
        fig = {**fig, "layout": {**fig.get("layout", {}), "autosize": True, "height": height}}
    else:
        fig.update_layout(autosize=True, height=height)
    payload = pio.to_json(fig, validate=False).translate(_JSON_ESCAPES)
    config = '{"displaylogo": false, "responsive": true}'
    return format_html(
        '<div id="{}" class="plotly-figure" style="width:100%;height:{}px" data-config=\'{}\'></div>'
        '<script type="application/json" id="{}-data">{}</script>',
        div_id, height, config, div_id, SafeString(payload),
    )
