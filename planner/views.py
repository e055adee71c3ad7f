"""Planner pages: thin views over planner.selectors (reads) and planner.services (writes)."""
from __future__ import annotations

import io
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from domain.errors import ApplicationError
from domain.instruments import get_instrument
from domain.observability import twilight
from pipelines.performance.selectors import snr_predictor
from planner import pairing, scoring, selectors, services, timeline
from planner.forms import EditForm, PlanForm
from planner.models import NightPlan
from surveys.selectors import calibrator_names, target_magnitudes

CANDIDATES_SHOWN = 60
LEFT_OUT_SHOWN = 15


def _error_text(exc: ApplicationError) -> str:
    details = exc.errors.values() if isinstance(exc.errors, dict) else exc.errors
    return " ".join([exc.message, *[str(d) for d in details]])


@login_required
def planner(request):
    """The plan request form (POST creates a draft plan) and the recent plans the user may see."""
    programs = selectors.programs_plannable_by(user=request.user)
    status = 200
    if request.method == "POST":
        form = PlanForm(request.POST, programs=programs)
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = services.plan_create(
                    night=d["night"], program=d["program"], instrument=d["instrument"], mode=d["mode"],
                    user=request.user, fraction=d["fraction"],
                    max_calibrator_distance_deg=d["max_calibrator_distance_deg"],
                    min_altitude_deg=d["min_altitude_deg"], min_calibrator_v2=d["min_calibrator_v2"])
            except ApplicationError as exc:
                for field, reason in (exc.errors.items() if isinstance(exc.errors, dict) else []):
                    form.add_error(field if field in form.fields else None, str(reason))
                if not exc.errors:
                    form.add_error(None, exc.message)
                status = exc.http_status
            else:
                messages.success(request, f"Planned {plan.items.count()} CAL-SCI-CAL blocks.")
                return redirect("planning:plan-detail", pk=plan.pk)
        else:
            status = 400
    else:
        night = selectors.next_scheduled_night()
        form = PlanForm(programs=programs, initial={"night": night, "instrument": "SPICA", "mode": "MR720"})
    plans = selectors.plans_visible_to(user=request.user)[:20]
    return render(request, "planner/planner.html", {"form": form, "plans": plans}, status=status)


def _add_expected_snr(plan: NightPlan, candidates: list[dict]) -> None:
    """Expected V² SNR from the empirical noise model of the mode (pipelines.performance), when fitted."""
    predict = snr_predictor(instrument=plan.instrument, mode=plan.mode)
    if predict is None:
        return
    mags = target_magnitudes(pks=[r["target_id"] for r in candidates], band=get_instrument(plan.instrument).bands[0])
    for row in candidates:
        row["expected_snr"] = predict(mags.get(row["target_id"]))


def _plan_for(request, pk: int) -> NightPlan:
    plan = get_object_or_404(NightPlan.objects.select_related("night", "program", "night__semester"), pk=pk)
    if not selectors.can_view(user=request.user, program=plan.program):
        raise PermissionDenied("You are not a member of this program.")
    return plan


def _timeline(plan: NightPlan, items: list) -> tuple[dict | None, dict]:
    """The altitude figure (when there are blocks) and the sequence strip, both with the night's twilight."""
    tw = twilight(plan.night.date)
    durations = plan.params.get("durations", {})
    strip = timeline.strip(
        twilight=tw, share=(plan.share_start, plan.share_end),
        blocks=[(i.start, (i.calibrator.name, i.target.name, (i.calibrator_2 or i.calibrator).name)) for i in items],
        calibrator_minutes=durations.get("calibrator_minutes", 10),
        science_minutes=durations.get("science_minutes", 20))
    if not items:
        return None, strip
    curves = selectors.plan_curves(plan=plan, items=items, start=tw.civil_end, end=tw.civil_start)
    figure = timeline.figure(times=curves["vis"].times, altitude=curves["vis"].altitude,
                             names=[i.target.name for i in items], blocks=[(i.start, i.end) for i in items],
                             share=(plan.share_start, plan.share_end), min_altitude=curves["min_altitude"],
                             twilight=tw)
    return figure, strip


def _left_out(plan: NightPlan, planned: set[int]) -> list[dict]:
    """The best-scored candidates not in the plan, each with why (as found when the night was planned)."""
    rows = [r for r in plan.candidates if r["target_id"] not in planned and r["score"] is not None]
    rows.sort(key=lambda r: -r["score"])
    return [{**r, "reason": r["reason"] or ("removed by an edit" if r.get("placed") else "not placed")}
            for r in rows[:LEFT_OUT_SHOWN]]


def _detail(request, plan: NightPlan, *, status: int = 200, error: str = ""):
    items = selectors.plan_items(plan=plan)
    figure, strip = _timeline(plan, items)
    cal_ids = {c["id"] for row in plan.candidates[:CANDIDATES_SHOWN] for c in row["calibrators"]}
    cal_names = calibrator_names(pks=cal_ids)
    candidates = [{**row, "calibrators": [{**c, "name": cal_names.get(c["id"], "?")} for c in row["calibrators"]]}
                  for row in plan.candidates[:CANDIDATES_SHOWN]]
    _add_expected_snr(plan, candidates)
    planned = {i.target_id for i in items}
    addable = [r for r in plan.candidates if r["score"] is not None and r["target_id"] not in planned][:40]
    used = sum((i.end - i.start).total_seconds() for i in items) / 3600
    share_hours = (plan.share_end - plan.share_start).total_seconds() / 3600
    context = {
        "plan": plan, "items": items, "figure": figure, "strip": strip, "candidates": candidates,
        "addable": addable, "left_out": _left_out(plan, planned),
        "calibrator_rule": pairing.resolution_rule(  # plans made before the rule existed carry no limit
            min_v2=plan.params["min_calibrator_v2"], band=scoring.mode_limits(plan.instrument, plan.mode)[0],
            baseline_m=plan.params["baseline_m"], baseline_name=plan.params["baseline"],
        ) if "min_calibrator_v2" in plan.params else "",
        "fill": (used / share_hours) if share_hours else 0.0,
        "n_candidates": len(plan.candidates), "n_eligible": sum(1 for r in plan.candidates if not r["reason"]),
        "used_hours": used, "share_hours": share_hours, "error": error,
        "can_edit": plan.status == NightPlan.Status.DRAFT and selectors.can_plan(user=request.user,
                                                                                program=plan.program),
    }
    return render(request, "planner/plan_detail.html", context, status=status)


@login_required
def plan_detail(request, pk: int):
    return _detail(request, _plan_for(request, pk))


@login_required
@require_POST
def plan_edit(request, pk: int):
    """Drop, move up/down or add a block; a refused edit re-renders the plan with the reason (4xx)."""
    plan = _plan_for(request, pk)
    form = EditForm(request.POST)
    if not form.is_valid():
        return _detail(request, plan, status=400, error="; ".join(
            f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    d = form.cleaned_data
    try:
        if d["action"] == "drop":
            services.plan_item_drop(plan=plan, position=d["position"], user=request.user)
        elif d["action"] in {"up", "down"}:
            services.plan_item_move(plan=plan, position=d["position"], offset=-1 if d["action"] == "up" else 1,
                                    user=request.user)
        else:
            services.plan_item_add(plan=plan, target=d["target"], user=request.user)
    except ApplicationError as exc:
        return _detail(request, plan, status=exc.http_status, error=_error_text(exc))
    messages.success(request, "Plan updated.")
    return redirect("planning:plan-detail", pk=plan.pk)


@login_required
@require_POST
def plan_send(request, pk: int):
    plan = _plan_for(request, pk)
    try:
        obs = services.plan_send(plan=plan, user=request.user)
    except ApplicationError as exc:
        return _detail(request, plan, status=exc.http_status, error=_error_text(exc))
    messages.success(request, f"{len(obs)} OBs queued for the night {plan.night.date}.")
    return redirect("planning:plan-detail", pk=plan.pk)


@login_required
def plan_export(request, pk: int):
    """A zip of Aspro2 .obxml files, one per science target."""
    plan = _plan_for(request, pk)
    files = selectors.plan_obxml_files(plan=plan)
    if not files:
        return _detail(request, plan, status=404, error="The plan has no block to export.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{plan.program.code}-{plan.night.date}-{plan.instrument}-{plan.mode}.zip"')
    return response
