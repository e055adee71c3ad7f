"""Pipeline pages: runs with live progress, one run's report, a night's raw files and their consolidation;
the ObsPortal feed of the L0 records."""
from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from domain import obsportal
from pipelines import selectors
from pipelines.l0_feed import feed_rows
from pipelines.models import PipelineRun, RawFile
from surveys.naming import sort_rows
from surveys.selectors import night_on, programs_with_role, visible_rows_q

STAFF_ROLES = ("operator", "data_manager", "pi")
DEDICATED_PAGES = {PipelineRun.Kind.L2: "calibration:run-detail", PipelineRun.Kind.L3: "analysis:run-detail"}


def may_see_runs(user) -> bool:
    """Runs and raw headers are operations data: staff, operators, data managers and PIs."""
    return user.is_authenticated and (user.is_staff or programs_with_role(user=user, roles=STAFF_ROLES).exists())


def _require_pipeline_viewer(user) -> None:
    if not may_see_runs(user):
        raise PermissionDenied("Pipeline runs are visible to staff, operators, data managers and PIs.")


def _progress(run: PipelineRun) -> dict:
    percent = round(100 * run.done / run.total) if run.total else (100 if run.phase == "completed" else 0)
    return {"id": str(run.pk), "phase": run.phase, "done": run.done, "total": run.total, "percent": percent}


@login_required
def run_list(request):
    _require_pipeline_viewer(request.user)
    kind = request.GET.get("kind") or None
    if kind and kind not in PipelineRun.Kind.values:
        kind = None
    runs = list(selectors.run_list(kind=kind)[:100])
    columns = {"kind": lambda r: r.get_kind_display(), "night": lambda r: r.night.date.toordinal() if r.night
               else None, "phase": lambda r: r.phase, "started": lambda r: r.started.timestamp() if r.started
               else None, "finished": lambda r: r.finished.timestamp() if r.finished else None,
               "created": lambda r: r.created.timestamp(), "progress": lambda r: r.done}
    runs, _, _ = sort_rows(runs, request.GET.get("sort"), columns, "-created")
    return render(request, "pipelines/run_list.html", {
        "runs": [(r, _progress(r)) for r in runs], "kind": kind, "kinds": PipelineRun.Kind.choices,
        "any_running": any(r.phase in ("pending", "running") for r in runs), "default_sort": "-created"})


@login_required
def run_progress(request):
    """JSON progress of the given runs (ids=...), polled by the run list while runs are running."""
    _require_pipeline_viewer(request.user)
    ids = [i for i in request.GET.get("ids", "").split(",") if i][:100]
    try:
        runs = [uuid.UUID(i) for i in ids]
    except ValueError:
        return JsonResponse({"detail": "ids must be run UUIDs separated by commas"}, status=400)
    return JsonResponse({"runs": [_progress(r) for r in PipelineRun.objects.filter(pk__in=runs)]})


def _raw_files_q(user) -> Q:
    """Raw files a user may list: staff all; others those of observations of data they may read."""
    return visible_rows_q(user=user, program="observation__program", target="observation__target")


@login_required
def run_detail(request, run_id):
    run = get_object_or_404(PipelineRun.objects.select_related("night"), pk=run_id)
    if run.kind in DEDICATED_PAGES:  # one page per run: the calibration / analysis page (its own access check)
        return redirect(DEDICATED_PAGES[run.kind], run.pk)
    _require_pipeline_viewer(request.user)
    files = sorted((run.report or {}).get("files", {}).items())
    outputs = run.outputs.select_related("raw_file", "product_version__product") if run.kind == "l1" else []
    errors = run.error_summary
    if not request.user.is_staff:  # file names, L1 keys and errors only of the data this user may read
        names = set(RawFile.objects.filter(_raw_files_q(request.user))
                    .filter(Q(ingest_run=run) | Q(reduction_outputs__run=run)).values_list("original_name", flat=True))
        files = [(name, outcome) for name, outcome in files if name.rsplit("/", 1)[-1] in names]
        if outputs:
            outputs = outputs.filter(visible_rows_q(user=request.user, program="raw_file__observation__program",
                                                    target="raw_file__observation__target"))
        errors = "\n".join(line for line in errors.splitlines() if line.split(":", 1)[0].strip() in names)
    return render(request, "pipelines/run_detail.html", {
        "run": run, "progress": _progress(run), "error_summary": errors,
        "files": [(name.rsplit("/", 1)[-1], outcome) for name, outcome in files], "outputs": outputs})


@login_required
def night_raw_files(request, date):
    _require_pipeline_viewer(request.user)
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise Http404(f"not a date: {date!r} (expected YYYY-MM-DD)")
    night = night_on(date=day)
    if night is None:
        raise Http404(f"no scheduled night {day}")
    visible = _raw_files_q(request.user)
    raws = list(selectors.raw_files_for_night(night=night, visible=visible))
    return render(request, "pipelines/night_raw_files.html", {
        "night": night, "raws": raws, "issues": selectors.night_consolidation_issues(night=night, visible=visible),
        "runs": selectors.run_list().filter(night=night)[:20]})


@require_GET
def l0_feed(request):
    """ObsPortal's `search.votable` for OiDB's harvester (pipelines.l0_feed: fields, semantics, access)."""
    g = request.GET
    try:
        since = obsportal.parse_date_param("date_updated_from", g.get("date_updated_from"))
        until = obsportal.parse_date_param("date_updated_to", g.get("date_updated_to"))
    except obsportal.FeedParameterError as exc:
        return JsonResponse({"detail": "Bad feed parameter.", "errors": {exc.field: exc.reason}}, status=400)
    if since is not None and until is not None and since > until:
        return JsonResponse({"detail": "Bad feed parameter.",
                             "errors": {"date_updated_from": "is after date_updated_to"}}, status=400)
    rows = feed_rows(instrument=g.get("instrument", ""), interferometer=g.get("interferometer", ""),
                     since=since, until=until)
    return HttpResponse(obsportal.votable(rows, description="ISSP portal L0 exposures (ObsPortal feed)"),
                        content_type="application/x-votable+xml; charset=utf-8")
