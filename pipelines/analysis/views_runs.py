"""Buttons: fit the survey (with progress), refit one target or fit it with another engine."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from domain.errors import PermissionRefused, ValidationFailed
from pipelines.analysis import companion_services, selectors, services
from pipelines.analysis.models import DiameterResult
from pipelines.models import PipelineRun


def _run_started(request, start, done: str):
    """Start a survey run from the diameters page: 403 outside its scope, a message when nothing to do."""
    try:
        run = start(user=request.user, force=request.POST.get("force") == "on")
    except PermissionRefused as exc:
        return HttpResponseForbidden(exc.message)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("analysis:diameter-table")
    messages.success(request, done.format(n=run.total))
    return redirect("analysis:run-detail", run_id=run.pk)


@login_required
@require_POST
def survey_run_create(request):
    return _run_started(request, services.survey_run_start,
                        "Fitting {n} targets: one task per target on the analysis queue.")


@login_required
@require_POST
def companion_run_create(request):
    return _run_started(request, companion_services.companion_run_start,
                        "Screening {n} targets for companions: one task per target.")


def _progress(run: PipelineRun) -> dict:
    return {"id": str(run.pk), "phase": run.phase, "done": run.done, "total": run.total,
            "percent": round(100.0 * run.done / run.total, 1) if run.total else 100.0, "report": run.report,
            "error": run.error_summary, "started": run.started.isoformat() if run.started else None,
            "finished": run.finished.isoformat() if run.finished else None}


@login_required
def run_detail(request, run_id):
    run = get_object_or_404(PipelineRun, pk=run_id, kind=PipelineRun.Kind.L3)
    return render(request, "analysis/run_detail.html", {"run": run, "progress": _progress(run)})


@login_required
def run_progress(request, run_id):
    run = get_object_or_404(PipelineRun, pk=run_id, kind=PipelineRun.Kind.L3)
    return JsonResponse(_progress(run))


@login_required
@require_POST
def target_fit(request, target_id: int):
    """Refit a target now, or fit it with another engine/model; the work runs on the analysis queue."""
    row = get_object_or_404(DiameterResult, pk=request.POST.get("result") or 0, target_id=target_id)
    if not selectors.can_fit_target(user=request.user, program_id=row.program_id):
        return HttpResponseForbidden("Only staff, the program's PI and data managers may refit.")
    choice = request.POST.get("engine", "")
    engine, _, model = choice.partition(":")
    engines = getattr(settings, "ANALYSIS_ENGINES", {})
    if engine not in engines or not model or (engine == "scipy" and model != "survey"):
        messages.error(request, f"Unknown engine or model {choice!r}.")
        return redirect("analysis:target-detail", target_id=target_id)
    from pipelines.analysis.tasks import analysis_model_fit_task, analysis_target_fit_task

    if engine == "scipy":
        transaction.on_commit(lambda: analysis_target_fit_task.delay(target_id, force=True))
        messages.success(request, "Refit queued; reload in a moment.")
    else:
        if model not in services.engine_for(engine).models:
            messages.error(request, f"Engine {engine} has no model {model!r}.")
            return redirect("analysis:target-detail", target_id=target_id)
        transaction.on_commit(lambda: analysis_model_fit_task.delay(
            target_id, row.program_id, row.instrument, engine, model, request.user.pk))
        messages.success(request, f"{engine} {model} fit queued (MCMC: allow a minute); reload to see it.")
    return redirect("analysis:target-detail", target_id=target_id)
