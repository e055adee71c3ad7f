"""Pages of L2 calibration: runs with progress and report, TF diagnostic plot per night and setup."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render

from domain.errors import ValidationFailed
from issp_portal.dates import day_or_none
from pipelines.calibration import selectors, services
from pipelines.calibration.forms import NightRerunForm
from surveys.naming import sort_rows
from surveys.selectors import night_on


def _visible_run(request, pk):
    run = selectors.calibration_runs_visible_to(user=request.user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such calibration run.")
    return run


@login_required
def run_list(request):
    runs = list(selectors.calibration_runs_visible_to(user=request.user)[:500])
    columns = {"created": lambda r: r.created.timestamp(), "night": lambda r: r.night.date.toordinal() if r.night
               else None, "setup": lambda r: r.setup, "phase": lambda r: r.phase, "processing": lambda r: r.processing,
               "progress": lambda r: r.done}
    runs, _, _ = sort_rows(runs, request.GET.get("sort"), columns, "-created")
    return render(request, "calibration/run_list.html", {"runs": runs[:200], "default_sort": "-created"})


@login_required
def run_detail(request, pk):
    run = _visible_run(request, pk)
    science, all_shown = selectors.science_visible_to(user=request.user, run=run)
    shown = {s.get("version_id") for s in science}
    report = dict(run.report or {})
    report["science"] = [r for r in selectors.run_science_rows(run=run, user=request.user)
                         if r.get("version_id") in shown]
    if not all_shown:  # the TF plot names every science star of the run
        report.pop("tf_plot", None)
    return render(request, "calibration/run_detail.html", {
        "run": run, "can_rerun": selectors.can_rerun_l2(user=request.user, night=run.night),
        "report": report, "versions": selectors.l2_versions_of_run(run=run).filter(pk__in=shown),
        "calibrator_ids": selectors.calibrator_ids(names=[c.get("name") for c in report.get("calibrators", [])]),
        "percent": int(100 * run.done / run.total) if run.total else (100 if run.phase == "completed" else 0),
    })


@login_required
def run_progress(request, pk):
    run = _visible_run(request, pk)
    return JsonResponse({"id": str(run.pk), "phase": run.phase, "done": run.done, "total": run.total,
                         "error_summary": run.error_summary})


@login_required
def night_runs(request, date):
    night = _night_or_404(date)
    runs = selectors.calibration_runs_visible_to(user=request.user).filter(night=night)
    latest: dict[str, object] = {}
    for run in runs.order_by("-created"):
        latest.setdefault(run.setup, run)
    return render(request, "calibration/night.html", {
        "night": night, "latest": list(latest.values()), "runs": runs,
        "can_rerun": selectors.can_rerun_l2(user=request.user, night=night)})


def _night_or_404(date: str):
    day = day_or_none(date)
    if day is None:
        raise Http404(f"not a date: {date[:40]!r} (expected YYYY-MM-DD)")
    night = night_on(date=day)
    if night is None:
        raise Http404(f"no scheduled night {day}")
    return night


@login_required
def night_rerun(request, date):
    """Operators, data managers and staff re-run the night's L2 calibration (the admin action's parameters)."""
    night = _night_or_404(date)
    if not selectors.can_rerun_l2(user=request.user, night=night):
        return HttpResponseForbidden("Only staff and the operators or data managers of a program of this night "
                                     "may re-run its L2 calibration.")
    observed = selectors.calibrators_observed(night=night)
    form = NightRerunForm(request.POST or None, observed=observed)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                runs = services.calibration_runs_start(night=night, parameters=form.parameters(),
                                                       processing="manual", requested_by=request.user)
            except ValidationFailed as exc:
                for field, reason in exc.errors.items():
                    form.add_error(field if field in form.fields else None, reason)
            else:
                excluded = form.parameters()["excluded_calibrators"]
                messages.success(request, f"Queued {len(runs)} L2 run(s) for {night}" + (
                    f", excluding {', '.join(excluded)}." if excluded else "."))
                return redirect("calibration:run-detail", pk=runs[0].pk) if len(runs) == 1 else redirect(
                    "calibration:night-runs", date=night.date.isoformat())
        status = 400
    return render(request, "calibration/rerun.html", {
        "night": night, "form": form, "observed": observed,
        "runs": selectors.calibration_runs_visible_to(user=request.user).filter(night=night)[:10]}, status=status)
