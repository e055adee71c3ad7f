"""List, export and plot-data sweep: every route with every query parameter it reads, as every outsider.

The parameters come from the views themselves (the names a view, or a helper it calls, reads
from `request.GET` / `query_params`, and the fields of the filter sets it uses), so a new filter
or sort is swept without anyone editing this file. For each outsider (see the access sweep),
each route is fetched bare and once per value of each parameter; then every value the
outsider may not see (diameters, flags and fit status of embargoed results, the quality flag of
the embargoed product, the priorities of the program's OBs) is changed, and every answer must
be the same bytes as before: no canary, no count, no order that depends on a hidden value.
"""
from __future__ import annotations

import inspect
import re
import types
from urllib.parse import urlencode

import pytest
from astropy.time import Time

import django_filters
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.hardening.test_access_sweep import CANARIES, OUTSIDERS, _routes, _users, _value, world

FIXTURES = (world,)  # the access sweep's world (canaries, outsiders), shared by this module's tests
pytestmark = [pytest.mark.django_db, pytest.mark.slow]
PARAM = re.compile(r"""(?:GET|query_params|params|query|\bg)\s*(?:\.get(?:list)?\(|\[)\s*["'](\w+)["']""")
HELPER = re.compile(r"\b(_?\w+)\(")
VOLATILE = [re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'), re.compile(rb'nonce="[^"]*"'),
            re.compile(rb'X-CSRFTOKEN"\] = "[^"]*"'), re.compile(rb'"elapsed_ms": [0-9.]+'),
            re.compile(rb'"now": ?"[^"]*"'),
            re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?")]  # clocks, tokens


def _view_sources(callback) -> tuple[str, list[type]]:
    """Source of a view and of the module-level helpers it calls (two levels), and its filter sets."""
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    view = inspect.unwrap(view) if callable(view) and not isinstance(view, type) else view
    module = inspect.getmodule(view)
    seen, sources, todo = set(), [], [(view, 0)]
    while todo:
        obj, depth = todo.pop()
        try:
            text = inspect.getsource(obj)
        except (OSError, TypeError):
            continue
        sources.append(text)
        if depth >= 2:
            continue
        for name in set(HELPER.findall(text)) - seen:
            seen.add(name)
            helper = getattr(module, name, None)
            if isinstance(helper, types.FunctionType) and inspect.getmodule(helper) is module:
                todo.append((helper, depth + 1))
    text = "\n".join(sources)
    filtersets = [obj for name, obj in vars(module).items() if isinstance(obj, type)
                  and issubclass(obj, django_filters.FilterSet) and re.search(rf"\b{name}\(", text)]
    return text, filtersets


def accepted_params(callback) -> set[str]:
    text, filtersets = _view_sources(callback)
    names = set(PARAM.findall(text))
    for fs in filtersets:
        names |= set(fs.base_filters)
    return names - {"next"}


def _queries(param: str, world) -> list[dict]:
    """The values a parameter is swept with: every sort key both ways, every flag and status, ..."""
    from pipelines.analysis.selectors import SORTS as DIAMETER_SORTS
    from pipelines.analysis.views import FLAGS
    from surveys.filters import SORTS as DASHBOARD_SORTS
    from surveys.progress import STATUSES

    if param == "sort":
        keys = list(DIAMETER_SORTS) + [k for k, _ in DASHBOARD_SORTS]
        return [{"sort": k, **d} for k in keys for d in ({}, {"dir": "desc"})]
    bank = {
        "flag": FLAGS + ["none", "unreviewed", "0", "1", "2", "3"], "status": ["ok", "failed", *STATUSES],
        "format": ["csv", "json"], "q": [world["target"].name, "CANARY", "HD"], "instrument": ["SPICA"],
        "program": ["issp", str(world["program"].pk)], "level": ["1", "2"], "kind": ["ingest", "l1", "l2"],
        "night": [world["night"].date.isoformat()], "page": ["2"], "per_page": ["50"], "dir": ["desc"],
        "mag_v_max": ["6"], "priority": ["1"], "flagged": ["yes", "no"], "semester": ["2024A"],
        "companion": ["detected", "none"],
    }
    return [{param: v} for v in bank.get(param, ["issp", "1"])]


def _sweep_urls(world) -> list[tuple[str, str]]:
    urls = []
    for name, route, pattern in _routes():
        if name.startswith("admin:") or route.startswith("accounts/") or "<path:" in route:
            continue
        kwargs = {p: _value(name, p, c, world) for p, c in pattern.pattern.converters.items()}
        base = reverse(name, kwargs=kwargs)
        urls.append((name, base))
        for param in sorted(accepted_params(pattern.callback)):
            urls += [(f"{name}?{param}", f"{base}?{urlencode(q)}") for q in _queries(param, world)]
    return urls


def _body(client: Client, url: str) -> tuple[int, bytes]:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for pattern in VOLATILE:
        body = pattern.sub(b"", body)
    return response.status_code, body


def _hidden_results(world):
    """Diameter results of embargoed ISSP targets (hidden) beside readable results of another program."""
    from pipelines.analysis.models import CompanionResult, DiameterResult
    from surveys.models import Program

    recent = Time(timezone.now()).mjd - 10
    issp, ext = world["program"], Program.objects.get(code="ext-mystic-yso")
    rows = []
    for i, target in enumerate(issp.targets.exclude(pk=world["other_target"].pk).order_by("pk")[:3]):
        rows.append(DiameterResult.objects.create(
            target=target, program=issp, instrument="SPICA", input_fingerprint="x", ud_mas=0.5 + i,
            ud_err_formal=0.01, ud_chi2=1.0, ld_mas=0.55 + i, n_v2=100 + i, t_max=recent,
            flags="not_single_disk" if i == 0 else ""))
        CompanionResult.objects.create(target=target, program=issp, instrument="SPICA", input_fingerprint="x",
                                       detected=i == 0, nsigma=[40.0, 2.0, 3.0][i], separation_mas=3.0 + i,
                                       flux_ratio_percent=5.0, limit5_5mas=1.0 + i, t_max=recent)
    for i, target in enumerate(ext.targets.order_by("pk")[:2]):
        DiameterResult.objects.create(target=target, program=ext, instrument="MIRC-X", input_fingerprint="x",
                                      ud_mas=1.0 + i, ud_err_formal=0.02, ud_chi2=1.2, n_v2=50, t_max=recent)
        CompanionResult.objects.create(target=target, program=ext, instrument="MIRC-X", input_fingerprint="x",
                                       detected=False, nsigma=1.0 + i, limit5_5mas=2.0, t_max=recent)
    return rows


def _change_hidden_values(world, hidden) -> None:
    """Everything an outsider may not see, changed: a leak through a filter, count or order shows up."""
    from archive.models import ProductVersion
    from obs_server.models import ObservingBlock

    for row, ud in zip(hidden, (9.0, 0.1, 4.0), strict=True):
        row.ud_mas, row.ld_mas, row.ud_chi2, row.n_v2 = ud, ud * 1.1, 40.0 / ud, 7
        row.flags = "" if row.flags else "not_single_disk,poor_fit"
        row.save()
    hidden[-1].status = "failed"
    hidden[-1].save()
    from pipelines.analysis.models import CompanionResult

    for row, nsigma in zip(hidden, (1.0, 60.0, 9.0), strict=True):  # detected <-> not, new order of nσ
        CompanionResult.objects.filter(target=row.target, program=row.program).update(
            nsigma=nsigma, detected=nsigma >= 5, separation_mas=20.0 / nsigma, limit5_5mas=nsigma)
    ProductVersion.objects.filter(pk=world["version"].pk).update(quality_flag=0)
    ObservingBlock.objects.filter(program=world["program"]).update(priority=99)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_lists_exports_and_plots_never_depend_on_hidden_values(world, demo, who):
    hidden = _hidden_results(world)
    client = Client()
    user = _users(world, demo)[who]
    if user is not None:
        client.force_login(user)
    urls = _sweep_urls(world)
    assert len(urls) > 150 and any("analysis:diameter-table?flag" in n for n, _ in urls)
    before, problems = {}, []
    for name, url in urls:
        status, body = before[url] = _body(client, url)
        if status >= 500:
            problems.append(f"GET {url} ({name}) -> {status}")
        found = [c for c in CANARIES if c.encode() in body]
        if found:
            problems.append(f"GET {url} ({name}) -> {status} shows {found}")
    _change_hidden_values(world, hidden)
    for name, url in urls:
        if _body(client, url) != before[url]:
            problems.append(f"GET {url} ({name}) answers differently when only hidden values change")
    assert not problems, "\n".join(problems[:40])


def test_the_sweep_sees_what_a_member_may_see(world, demo):
    """Positive control: for the program's PI the same changes do change the diameters table."""
    hidden = _hidden_results(world)
    client = Client()
    client.force_login(demo["pi_issp"])
    url = reverse("analysis:diameter-table") + "?sort=ud&dir=desc"
    companions = reverse("analysis:diameter-table") + "?companion=detected"
    before, before_companions = _body(client, url), _body(client, companions)
    _change_hidden_values(world, hidden)
    assert _body(client, url) != before
    assert _body(client, companions) != before_companions
    names = accepted_params(
        next(p for n, _r, p in _routes() if n == "analysis:diameter-table").callback)
    assert {"flag", "sort", "dir", "q", "program", "status", "companion"} <= names
