"""Pages of L2 calibration: runs with progress and report, TF diagnostic plot per night and setup."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render

from issp_portal.dates import day_or_none
from pipelines.calibration import selectors
from surveys.models import Night


def _visible_run(request, pk):
    run = selectors.calibration_runs_visible_to(user=request.user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such calibration run.")
    return run


@login_required
def run_list(request):
    runs = selectors.calibration_runs_visible_to(user=request.user)[:200]
    return render(request, "calibration/run_list.html", {"runs": runs})


@login_required
def run_detail(request, pk):
    run = _visible_run(request, pk)
    science, all_shown = selectors.science_visible_to(user=request.user, run=run)
    report = {**(run.report or {}), "science": science}
    if not all_shown:
        report.pop("tf_plot", None)
    return render(request, "calibration/run_detail.html", {
        "run": run, "report": report, "all_science_shown": all_shown,
        "versions": selectors.l2_versions_of_run(run=run).filter(pk__in=[s["version_id"] for s in science]),
        "percent": int(100 * run.done / run.total) if run.total else (100 if run.phase == "completed" else 0),
    })


@login_required
def run_progress(request, pk):
    run = _visible_run(request, pk)
    return JsonResponse({"id": str(run.pk), "phase": run.phase, "done": run.done, "total": run.total,
                         "error_summary": run.error_summary})


@login_required
def night_runs(request, date):
    day = day_or_none(date)
    if day is None:
        raise Http404(f"not a date: {date[:40]!r} (expected YYYY-MM-DD)")
    night = get_object_or_404(Night, date=day)
    runs = selectors.calibration_runs_visible_to(user=request.user).filter(night=night)
    latest: dict[str, object] = {}
    for run in runs.order_by("-created"):
        latest.setdefault(run.setup, run)
    return render(request, "calibration/night.html", {"night": night, "latest": list(latest.values()),
                                                      "runs": runs})
