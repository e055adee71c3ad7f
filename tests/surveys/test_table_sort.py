"""Sortable column headers on every table: one server-side mechanism (`sort_th` + `sort_table`, surveys.naming).

Orders are asserted on real values; a sort on a value the access policy hides orders only readable rows.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from obs_server.models import ObservingBlock
from pipelines.models import PipelineRun
from surveys.naming import sort_rows
from tests.surveys.test_desk import live  # noqa: F401 - the fixture: a semester around today

pytestmark = pytest.mark.django_db


def _column(html: str, table_id: str, cell: int) -> list[str]:
    """Text of one column of a table (cell index among the row's <td>)."""
    body = html.split(f'id="{table_id}"')[1].split("</table>")[0].split("<tbody>")[1]
    rows = [r for r in body.split("<tr")[1:] if "<td" in r]
    return [re.sub(r"<[^>]+>", "", r.split("<td")[cell + 1].split(">", 1)[1].split("</td>")[0]).strip()
            for r in rows]


def test_hidden_column_orders_only_readable_rows_the_rest_by_name():
    rows = [{"name": "HD 10", "q": 1, "ok": False}, {"name": "HD 9", "q": 3, "ok": False},
            {"name": "HD 219080", "q": 2, "ok": True}, {"name": "HD 1000", "q": 0, "ok": True}]
    kwargs = {"hidden": {"q"}, "readable": lambda r: r["ok"], "name": lambda r: r["name"]}
    columns = {"q": lambda r: r["q"], "name": lambda r: r["name"]}
    up = sort_rows(rows, "q", columns, "name", **kwargs)[0]
    down = sort_rows(rows, "-q", columns, "name", **kwargs)[0]
    assert [r["name"] for r in up] == ["HD 1000", "HD 219080", "HD 9", "HD 10"]
    assert [r["name"] for r in down] == ["HD 219080", "HD 1000", "HD 9", "HD 10"]  # hidden rows: same order
    # Changing a hidden value changes nothing the user sees.
    rows[0]["q"], rows[1]["q"] = 99, -5
    assert [r["name"] for r in sort_rows(rows, "q", columns, "name", **kwargs)[0]] == [r["name"] for r in up]
    # On a public column the hidden rows take their place among the others (HD numbers numerically).
    assert [r["name"] for r in sort_rows(rows, "name", columns, "name", **kwargs)[0]] == [
        "HD 9", "HD 10", "HD 1000", "HD 219080"]


def test_sort_table_tag_sorts_by_the_query_parameter_with_lookups():
    template = Template('{% load survey_tags %}'
                        '{% sort_table rows "xsort" "star=target.name n=items|length" "star" as out %}'
                        '{% for r in out %}{{ r.target.name }};{% endfor %}|{% sort_th "n" "N" param="xsort" %}')
    rows = [{"target": {"name": n}, "items": [0] * k} for n, k in (("HD 10", 1), ("HD 9", 3), ("HD 100", 2))]
    render = lambda query: template.render(Context({"rows": rows, "request": RequestFactory().get("/", query)}))  # noqa: E731
    assert render({}).split("|")[0] == "HD 9;HD 10;HD 100;"
    assert render({"xsort": "-star"}).split("|")[0] == "HD 100;HD 10;HD 9;"
    out = render({"xsort": "n"})
    assert out.split("|")[0] == "HD 10;HD 100;HD 9;" and 'href="?xsort=-n"' in out and 'aria-sort="ascending"' in out
    assert render({"xsort": "nonsense"}).split("|")[0] == "HD 9;HD 10;HD 100;"  # unknown key: the default


def test_desk_tables_sort_on_their_own_parameters(client, demo, live):  # noqa: F811
    nights = live["nights"]
    past = nights["past"]
    for name in ("OB-10", "OB-9", "OB-100"):
        ObservingBlock.objects.create(program=past.allocations.first().program, target=None, night=past, name=name,
                                      instrument="SPICA", mode="MR720", payload={}, content_hash=name,
                                      state="failed")
    client.force_login(demo["operator"])
    url = reverse("surveys:desk")
    names = [n for n in _column(client.get(url, {"fsort": "ob"}).content.decode(), "desk-failed-obs", 0)
             if n.startswith("OB-") and n[3:].isdigit()]
    assert names == ["OB-9", "OB-10", "OB-100"]
    html = client.get(url, {"fsort": "-ob"}).content.decode()
    assert [n for n in _column(html, "desk-failed-obs", 0) if n[3:].isdigit()] == ["OB-100", "OB-10", "OB-9"]
    assert 'href="?fsort=ob"' in html  # the active header reverses; other tables keep their own order
    dates = _column(client.get(url, {"psort": "night"}).content.decode(), "desk-past", 0)
    assert dates == sorted(dates) and len(dates) >= 2
    assert _column(client.get(url).content.decode(), "desk-past", 0) == sorted(dates, reverse=True)  # default
    PipelineRun.objects.create(kind="l1", night=past, phase="failed", error_summary="AAA first")
    errors = _column(client.get(url, {"rsort": "error"}).content.decode(), "desk-failed-runs", 4)
    assert errors[0] == "AAA first" and errors == sorted(errors)


def test_night_allocations_and_ob_page_tables_sort(client, demo, live):  # noqa: F811
    night = live["nights"]["past"]
    client.force_login(demo["admin"])
    url = reverse("surveys:night-detail", args=[night.date.isoformat()])
    html = client.get(url, {"asort": "program"}).content.decode()
    assert 'aria-sort="ascending"' in html and "asort=-program" in html
    ob = ObservingBlock.objects.filter(night=night).first()
    ob_url = reverse("obs_server:ob-page", args=[ob.pk])
    for param in ("vsort", "hsort", "osort", "psort"):
        assert client.get(ob_url, {param: "nonsense"}).status_code == 200  # bad values: the default order


# Tables whose order is their content, or that are forms: not sortable, on purpose.
UNSORTED = {("planner/plan_detail.html", "sequence"),  # the plan's order, edited with up/down
            ("jmmc/sync_status.html", "-"),  # renamed and removed rows, two lists in one table
            ("notifications/settings.html", "-"),  # a preferences form
            ("jmmc/priority_edit.html", "-"),  # a form
            ("analysis/diameter_table.html", "diameters")}  # sorted in the database, paginated (policy_rows)


def test_every_table_with_headers_sorts_and_every_header_names_a_column():
    from tests.conftest import ROOT

    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = str(path.relative_to(ROOT / "templates"))
        text = path.read_text()
        specs = {param: set(re.findall(r"(\w+)=", columns)) for param, columns in
                 re.findall(r'{% sort_table \S+ "(\w+)" "([^"]*)"', text)}
        for table in re.finditer(r"<table[^>]*>(.*?)</table>", text, re.S):
            head = re.search(r"<thead>(.*?)</thead>", table.group(1), re.S)
            table_id = (re.search(r'id="([^"]+)"', table.group(0)[:120]) or [None, "-"])[1]
            if head is None or (name, table_id) in UNSORTED:
                continue
            headers = re.findall(r'{% sort_th "(\w+)" "[^"]*"(?: "[^"]*")?(?: param="(\w+)")?(?: "(\w+)")? %}',
                                 head.group(1))
            if not headers:
                problems.append(f"{name} #{table_id}: no sortable header")
            for key, param, positional in headers:
                param = param or positional or "sort"
                if param in specs and key not in specs[param]:
                    problems.append(f"{name} #{table_id}: header {key!r} is no column of {param!r}")
    assert not problems, "\n".join(problems)


def test_target_page_sort_on_quality_orders_readable_rows_only(client, demo):
    from astropy.time import Time

    from archive.models import ProductVersion
    from archive.services import product_version_create
    from surveys.models import Program, Target

    issp = Program.objects.get(code="issp")
    target = Target.objects.filter(programs=issp).order_by("name").first()
    now = dt.datetime.now(dt.UTC)
    old = (Time(dt.datetime(2021, 5, 1)).mjd, Time(dt.datetime(2021, 5, 2)).mjd)
    fresh = (Time(now - dt.timedelta(days=31)).mjd, Time(now - dt.timedelta(days=30)).mjd)
    versions = {}
    for name, (t_min, t_max), flag in (("public_q1", old, 1), ("public_q3", old, 3), ("embargoed", fresh, 5)):
        versions[name], _ = product_version_create(
            calib_level=2, kind="oifits", program=issp, target=target, instrument="SPICA", setup=name,
            filename=f"{name}.fits", content=name.encode(), t_min=t_min, t_max=t_max, quality_flag=flag,
            key=f"test/{name}")
    url = reverse("surveys:target-detail", args=[target.pk])

    def setups(query: dict) -> list[str]:
        body = client.get(url, query).content.decode().split('data-level="L2"')[1].split("</table>")[0]
        return re.findall(r"<td>SPICA (\w+)</td>", body)

    client.force_login(demo["pi_ext"])  # may read the two public products only
    assert setups({"dsort": "quality"}) == ["public_q1", "public_q3", "embargoed"]
    assert setups({"dsort": "-quality"}) == ["public_q3", "public_q1", "embargoed"]  # the hidden row stays last
    ProductVersion.objects.filter(pk=versions["embargoed"].pk).update(quality_flag=0)
    assert setups({"dsort": "quality"}) == ["public_q1", "public_q3", "embargoed"]  # its value changes nothing
    client.force_login(demo["pi_issp"])  # a member reads all three: the value orders them
    assert setups({"dsort": "quality"}) == ["embargoed", "public_q1", "public_q3"]
