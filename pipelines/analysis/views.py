"""Survey diameters pages: the table (sortable, exportable), per-target plots, survey-wide plots."""
from __future__ import annotations

import json

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from archive.selectors import target_model_fits
from archive.storage import absolute_path
from issp_portal.signed_links import download_auth
from pipelines.analysis import selectors
from pipelines.analysis.companion_plots import companion_figures
from pipelines.analysis.exports import diameters_table, to_csv, to_votable
from pipelines.analysis.models import DiameterResult
from pipelines.analysis.oifits_io import OifitsReadError, read_oifits
from pipelines.analysis.plots import sbcr_diameter, survey_figures, target_figures
from pipelines.models import PipelineRun
from surveys.selectors import access_decision, target_by_pk

PER_PAGE = (50, 100, 200)
FLAGS = ["not_single_disk", "poor_fit", "unresolved", "correlated_errors", "few_points", "fit_failed"]
COLUMNS = [  # (sort key, header)
    ("target", "Target"), ("instrument", "Instr."), ("v", "V"), ("vk", "V−K"), ("ud", "UD (mas)"),
    ("ud_err", "σ formal"), ("ud_boot", "σ boot"), ("ld", "LD (mas)"), ("chi2", "χ²ᵣ"), ("n", "N V²"),
    ("cp", "CP χ²ᵣ"), ("flags", "Flags"), ("comp_n", "Comp. nσ"), ("comp_sep", "Sep. (mas)"), ("comp_pa", "PA (°)"),
    ("comp_f", "f (%)"), ("comp_lim5", "5σ lim. 5 mas (%)"), ("comp_lim20", "5σ lim. 20 mas (%)"),
]
COMPANION = ("detected", "none")


def _filters(request) -> dict:
    g = request.GET
    return {"q": g.get("q", "").strip()[:80], "instrument": g.get("instrument", "")[:20],
            "program": g.get("program", "")[:40], "flag": g.get("flag", "") if g.get("flag", "") in FLAGS + ["none"]
            else "", "status": g.get("status", "") if g.get("status", "") in ("ok", "failed") else "",
            "companion": g.get("companion", "") if g.get("companion", "") in COMPANION else "",
            "sort": g.get("sort", "target") if g.get("sort", "target") in selectors.SORTS else "target",
            "descending": g.get("dir") == "desc"}


def diameter_table(request):
    filters = _filters(request)
    try:
        per_page = int(request.GET.get("per_page", 100))
    except ValueError:
        per_page = 100
    per_page = per_page if per_page in PER_PAGE else 100
    page = Paginator(selectors.policy_rows(user=request.user, **filters), per_page).get_page(request.GET.get("page"))
    pairs = selectors.rows_with_access(user=request.user, rows=page.object_list)
    shown = selectors.companions_shown(user=request.user, rows=[r for r, decision in pairs if decision])
    rows = [(r, decision, shown.get(r.pk)) for r, decision in pairs]
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    sort_query.pop("dir", None)
    headers = [{"key": key, "label": label, "active": filters["sort"] == key,
                "next_dir": "asc" if filters["sort"] == key and filters["descending"] else "desc"
                if filters["sort"] == key else "asc"} for key, label in COLUMNS]
    context = {
        "page": page, "rows": rows, "filters": filters, "headers": headers, "flags": FLAGS, "per_page": per_page,
        "companion_choices": COMPANION,
        "per_page_choices": PER_PAGE, "query": query.urlencode(), "sort_query": sort_query.urlencode(),
        "choices": selectors.filter_choices(), "can_run": selectors.runnable_program_ids(user=request.user) != [],
        "last_run": PipelineRun.objects.filter(kind=PipelineRun.Kind.L3).order_by("-created").first(),
    }
    return render(request, "analysis/diameter_table.html", context)


@download_auth
def diameter_export(request, fmt: str):
    filters = _filters(request)
    rows = selectors.readable_rows(user=request.user, rows=selectors.diameter_rows(**filters).filter(status="ok"))
    shown = selectors.companions_shown(user=request.user, rows=rows)
    if filters["companion"]:  # a filter on the screen lists only rows whose screen is readable
        rows = [r for r in rows if r.pk in shown]
    table = diameters_table(rows, companions=shown)
    if fmt == "csv":
        response = HttpResponse(to_csv(table), content_type="text/csv; charset=utf-8")
        name = "issp_diameters.csv"
    elif fmt == "vot":
        response = HttpResponse(to_votable(table), content_type="application/x-votable+xml")
        name = "issp_diameters.vot"
    else:
        raise Http404("unknown format")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _model_fits(target, user) -> list[dict]:
    out = []
    products = target_model_fits(target=target)
    for p in products:
        if not access_decision(user=user, program=p.program, target_id=target.pk, t_max_mjd=p.t_max):
            continue
        try:
            content = json.loads(absolute_path(p.current_version.path).read_text())
        except (OSError, ValueError):
            continue
        out.append({"product": p, "version": p.current_version, "fit": content.get("fit", {})})
    return out


def _companion(comp) -> dict | None:
    """The screen shown on the target page: the row, and its figures from the L3 product."""
    if comp is None:
        return None
    item = {"row": comp, "figures": None, "error": "", "dom_id": f"cfig-{comp.pk}"}
    if comp.version_id:
        try:
            item["figures"] = companion_figures(json.loads(absolute_path(comp.version.path).read_text()))
        except (OSError, ValueError, KeyError) as exc:
            item["error"] = f"cannot read the companion product: {exc}"
    return item


def target_detail(request, target_id: int):
    target = target_by_pk(pk=target_id)
    if target is None:
        raise Http404(f"no target {target_id}")
    results = []
    pairs = selectors.rows_with_access(user=request.user, rows=DiameterResult.objects.filter(
        target=target).select_related("program", "version", "target"))
    shown = selectors.companions_shown(user=request.user, rows=[r for r, decision in pairs if decision])
    for row, decision in pairs:
        item = {"row": row, "decision": decision, "figures": None, "error": "",
                "can_fit": selectors.can_fit_target(user=request.user, program_id=row.program_id),
                "sbcr": sbcr_diameter(target.mag_v, target.mag_k), "companion": _companion(shown.get(row.pk))}
        if decision and row.version_id:
            inputs = list(row.version.inputs.all())
            try:
                data = read_oifits([absolute_path(v.path) for v in inputs])
                item["figures"] = target_figures(data, row)
            except (OifitsReadError, OSError, ValueError) as exc:
                item["error"] = f"cannot read the L2 inputs: {exc}"
            item["inputs"] = inputs
        results.append(item)
    engines = [{"value": "scipy:survey", "label": "scipy: UD + LD survey fit (refit now)"}]
    if "oimodeler" in getattr(settings, "ANALYSIS_ENGINES", {}):
        engines += [{"value": "oimodeler:ud", "label": "oimodeler: uniform disk (MCMC, slow)"},
                    {"value": "oimodeler:binary", "label": "oimodeler: disk + companion (MCMC, slow)"}]
    return render(request, "analysis/target_detail.html", {
        "target": target, "results": results, "model_fits": _model_fits(target, request.user), "engines": engines})


def survey_plots(request):
    rows = selectors.readable_rows(user=request.user,
                                   rows=selectors.diameter_rows().filter(status="ok", ud_mas__isnull=False))
    figures = survey_figures(rows, lambda r: reverse("analysis:target-detail", args=[r.target_id]))
    return render(request, "analysis/survey_plots.html", {"figures": figures, "count": figures.pop("count")})
