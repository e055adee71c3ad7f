"""Admin: "Re-run L2 calibration" on nights, observations and targets; the L2 runs with their report.

The action is added to the surveys ModelAdmins at import time (admin autodiscovery
imports surveys.admin first), so surveys/admin.py is not edited.
"""
from __future__ import annotations

from collections import defaultdict

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from archive.models import Product
from domain.errors import ValidationFailed
from pipelines.calibration import services
from pipelines.calibration.forms import RerunForm
from pipelines.calibration.models import CalibrationRun
from surveys.models import Night, Observation, Target


def _targets_by_night(queryset) -> dict[Night, list[int] | None]:
    """Nights to re-run, each with the science targets to restrict to (None = every target)."""
    model = queryset.model
    if model is Night:
        return {n: None for n in queryset}
    out: dict[Night, set[int]] = defaultdict(set)
    if model is Observation:
        for obs in queryset.select_related("night"):
            out[obs.night].add(obs.target_id)
    elif model is Target:
        for p in Product.objects.filter(calib_level=1, target__in=queryset, night__isnull=False).select_related(
                "night"):
            out[p.night].add(p.target_id)
    return {n: sorted(ids) for n, ids in out.items()}


@admin.action(description="Re-run L2 calibration")
def rerun_l2_calibration(modeladmin, request, queryset):
    form = RerunForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        started, failed = [], []
        for night, only in _targets_by_night(queryset).items():
            try:
                started += services.calibration_runs_start(
                    night=night, parameters=form.parameters(), processing="manual", requested_by=request.user,
                    only_target_ids=only)
            except ValidationFailed as exc:
                failed.append(f"{night}: {'; '.join(str(v) for v in exc.errors.values()) or exc.message}")
        if started:
            links = format_html_join(", ", '<a href="{}">{} {}</a>', (
                (reverse("calibration:run-detail", args=[r.pk]), r.night, r.setup) for r in started))
            modeladmin.message_user(request, format_html("Queued {} L2 run(s): {}", len(started), links),
                                    messages.SUCCESS)
        for msg in failed:
            modeladmin.message_user(request, f"Not started: {msg}", messages.ERROR)
        if not started and not failed:
            modeladmin.message_user(request, "Nothing to calibrate: no L1 product for the selection.",
                                    messages.WARNING)
        return None
    return TemplateResponse(request, "calibration/admin_rerun.html", {
        **modeladmin.admin_site.each_context(request), "title": "Re-run L2 calibration", "form": form,
        "queryset": queryset, "opts": modeladmin.model._meta, "nights": _targets_by_night(queryset),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "action": "rerun_l2_calibration",
    })


def _extend(model) -> None:
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        return
    actions = list(model_admin.actions or [])
    if rerun_l2_calibration not in actions:
        model_admin.actions = [*actions, rerun_l2_calibration]


for _model in (Night, Observation, Target):
    _extend(_model)


@admin.register(CalibrationRun)
class CalibrationRunAdmin(admin.ModelAdmin):
    list_display = ["created", "night", "setup", "phase", "progress", "processing", "requested_by", "plot"]
    list_filter = ["phase", "processing"]
    search_fields = ["setup", "night__date"]
    readonly_fields = ["night", "setup", "phase", "progress", "processing", "requested_by", "parameters",
                       "created", "started", "finished", "error_summary", "report_summary", "plot"]
    exclude = ["kind", "report", "total", "done"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="progress")
    def progress(self, obj) -> str:
        return f"{obj.done}/{obj.total}"

    @admin.display(description="TF plot and report")
    def plot(self, obj) -> str:
        return format_html('<a href="{}">open</a>', reverse("calibration:run-detail", args=[obj.pk]))

    @admin.display(description="report")
    def report_summary(self, obj) -> str:
        r = obj.report or {}
        rows = [("Calibrators used", ", ".join(c["name"] for c in r.get("calibrators", []) if c.get("used")))]
        rows += [(f"Excluded {e['name']}", e["reason"]) for e in r.get("excluded", [])]
        rows += [("Error", e) for e in r.get("errors", [])]
        rows += [(f"Suspect {s['name']}", "; ".join(s["reasons"])) for s in r.get("suspects", [])]
        rows += [(f"L2 {s['target']} {s['start']}", f"version {s['version']} ({'new' if s['created'] else 'reused'})")
                 for s in r.get("science", [])]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))
