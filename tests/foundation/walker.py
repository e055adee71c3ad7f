"""Walk the portal as a person would: every navigation page, then one detail page of each kind.

Used by test_walk_browser.py. For each page it records what a user would notice: the HTTP status,
console errors, Content-Security-Policy violations (caught by a `securitypolicyviolation` listener,
since they do not always reach the console), failed requests, Plotly graphs whose traces hold data
but draw nothing (or show the WebGL message), and a page wider than a phone screen.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

WIDE, NARROW = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
# Whole-page screenshots cost about a second each on two shared cores: on request (WALK_FULL_SCREENS=1).
FULL_PAGE = os.environ.get("WALK_FULL_SCREENS", "") == "1"
# Links a person opens but that are not pages: downloads, exports, API bodies, admin, logout.
SKIP = re.compile(r"(^/admin/|^/accounts/|^/api/v1/(?!docs/)|download|export|/[^/]*\.[A-Za-z0-9]+$"
                  r"|/obxml|^/healthz|/progress)")
# A page "kind": the path with its ids replaced, so /targets/12/ and /targets/40/ are one kind.
_ID = re.compile(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27}|\d{4}-\d{2}-\d{2})(?=/|$)")

INIT_SCRIPT = """
window.__walk = {csp: []};
document.addEventListener('securitypolicyviolation', function (e) {
  window.__walk.csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || ''));
});
"""

# For each Plotly graph: traces with data, and what the page actually drew for them.
PLOT_CHECK = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(function (gd) {
  var bad = [];
  var webgl = /WebGL is not supported/i.test(gd.textContent || '');
  (gd._fullData || []).forEach(function (t) {
    if (t.visible !== true) { return; }
    var finite = function (a) { return Array.from(a || []).filter(function (v) { return v !== null && v !== undefined
                                                                                   && v === v; }).length; };
    // values the trace would draw: y where it has y (gaps are nulls), else x, pie values, heatmap rows
    var n = t.y ? finite(t.y) : Math.max(finite(t.x), finite(t.values), finite(t.z));
    if (!n) { return; }
    var node = gd.querySelector('.trace' + t.uid);
    var drawn = 0;
    if (t.type.endsWith('gl')) {
      drawn = webgl ? 0 : gd.querySelectorAll('canvas').length;
    } else if (t.type.startsWith('scatter')) {
      drawn = node ? Array.from(node.querySelectorAll('path.point, path.js-line, path.js-fill'))
        .filter(function (p) { return (p.getAttribute('d') || '').length > 2; }).length : 0;
    } else {  // bars, boxes, heatmaps: SVG trace groups carry no uid, look for any drawn mark
      drawn = Array.from(gd.querySelectorAll('.plot .trace path, .plot image'))
        .filter(function (p) { return p.tagName === 'image' || (p.getAttribute('d') || '').length > 2; }).length;
    }
    if (!drawn) { bad.push(t.type + ' "' + (t.name || '') + '" (' + n + ' values)'); }
  });
  return {id: gd.id, traces: (gd._fullData || []).length, webgl: webgl, undrawn: bad};
})
"""


@dataclass
class Visit:
    role: str
    path: str
    status: int = 0
    plots: int = 0
    problems: list[str] = field(default_factory=list)
    screens: list[str] = field(default_factory=list)


def kind_of(path: str) -> str:
    return _ID.sub("/<id>", path)


def _same_origin_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)")
    out = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or not parts.path or SKIP.search(parts.path):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def _visit(page, base: str, role: str, path: str, screens: Path | None, slug: str) -> Visit:
    visit = Visit(role=role, path=path)
    events: list[str] = []
    own = base + path

    documents = {own}  # the page and where it redirected: their status is judged below, not here

    def on_console(msg):
        # a refusal page of the portal (403/404 in its layout) is intended: its own load error is not a problem
        if msg.type == "error" and not (msg.location.get("url") in documents and "Failed to load resource" in msg.text):
            events.append(f"console: {msg.text[:160]}")

    def on_response(resp):
        if resp.request.is_navigation_request() and resp.frame == page.main_frame:
            documents.add(resp.url)
            return
        if resp.status >= 400:
            events.append(f"HTTP {resp.status} {resp.url.replace(base, '')}")

    def on_failed(req):
        # net::ERR_ABORTED is the browser cancelling a request itself (a favicon fetch cut short by the walk, a
        # fetch the page aborts): nothing a user sees. A missing file is an HTTP status (on_response), a blocked
        # one ERR_BLOCKED_BY_* with a securitypolicyviolation event, a dead server ERR_CONNECTION_*.
        if req.failure != "net::ERR_ABORTED":
            events.append(f"failed request {req.url.replace(base, '')}: {req.failure}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: events.append(f"page error: {str(exc)[:160]}"))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    try:
        response = page.goto(own, wait_until="load")
        visit.status = response.status if response else 0
        intended = visit.status in (403, 404) and page.locator("header.topbar").count() == 1
        if visit.status >= 400 and not intended:
            visit.problems.append(f"HTTP {visit.status}")
        if page.locator("div.plotly-figure, .plot").count():
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('div.plotly-figure'))"
                ".every(d => d.classList.contains('js-plotly-plot'))", timeout=20_000)
            page.wait_for_timeout(300)
        menu = page.evaluate("() => (document.querySelector('header.topbar') || {offsetHeight: 0}).offsetHeight")
        if menu > 50:  # one line is about 41 px
            visit.problems.append(f"menu on more than one line at 1440 px ({menu} px high)")
        plots = page.evaluate(PLOT_CHECK)
        if any(p["undrawn"] for p in plots):  # a responsive plot may still be redrawing: look once more
            page.wait_for_timeout(1500)
            plots = page.evaluate(PLOT_CHECK)
        visit.plots = len(plots)
        for p in plots:
            if p["webgl"]:
                visit.problems.append(f"plot #{p['id']}: WebGL message")
            for trace in p["undrawn"]:
                visit.problems.append(f"plot #{p['id']}: {trace} draws no point")
        if screens:
            name = f"{role}-{slug}-1440.png"
            page.screenshot(path=str(screens / name), full_page=FULL_PAGE)
            visit.screens.append(name)
        page.set_viewport_size(NARROW)
        page.wait_for_timeout(250)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            visit.problems.append(f"{width[0]} px wide at {width[1]} px")
        if screens:
            name = f"{role}-{slug}-390.png"
            page.screenshot(path=str(screens / name), full_page=FULL_PAGE)
            visit.screens.append(name)
        page.set_viewport_size(WIDE)
        csp = page.evaluate("() => (window.__walk || {csp: []}).csp")
        visit.problems += [f"CSP violation: {c}" for c in csp]
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("response", on_response)
        page.remove_listener("requestfailed", on_failed)
    visit.problems += events
    return visit


def walk(page, base: str, role: str, screens: Path | None = None, depth: int = 1,
         extras: list[str] = ()) -> list[Visit]:
    """Every page of the navigation, then (breadth-first, `depth` levels) one page of each new kind,
    then the `extras` not walked yet."""
    page.add_init_script(INIT_SCRIPT)
    page.set_viewport_size(WIDE)
    page.goto(base + "/")
    nav = []
    for href in page.eval_on_selector_all("nav.mainnav a[href]", "els => els.map(e => e.href)"):
        path = urlsplit(href).path
        if path not in nav:
            nav.append(path)
    seen_kinds = {kind_of(p) for p in nav} | {"/"}
    visits = []
    level = ["/"] + nav
    for _ in range(depth + 1):
        following = []
        for path in level:
            visit = _visit(page, base, role, path, screens, _slug(path))
            visits.append(visit)
            if visit.status >= 400:
                continue
            for link in _same_origin_links(page, base):
                kind = kind_of(link.split("?")[0])
                if kind not in seen_kinds:
                    seen_kinds.add(kind)
                    following.append(link.split("?")[0])
        level = following
    walked = {v.path for v in visits}
    for path in extras:
        if path not in walked:
            visits.append(_visit(page, base, role, path, screens, _slug(path)))
    return visits


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "home"


def table(visits: list[Visit]) -> str:
    rows = [f"{'role':<12} {'HTTP':>4} {'plots':>5}  {'page':<48} problems"]
    for v in visits:
        rows.append(f"{v.role:<12} {v.status:>4} {v.plots:>5}  {v.path:<48} {'; '.join(v.problems) or 'ok'}")
    return "\n".join(rows)
