"""The admin action "Re-run L2 calibration", listed by the surveys ModelAdmins (nights, observations, targets).

It lives beside the calibration service it calls (``services.calibration_runs_start``);
calibration's ``admin.py`` lists it on those pages through ``surveys.admin.add_action``.
"""
from __future__ import annotations

from collections import defaultdict

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from domain.errors import ValidationFailed
from pipelines.calibration import selectors, services
from pipelines.calibration.forms import RerunForm


def _targets_by_night(queryset) -> dict:
    """Nights to re-run, each with the science targets to restrict to (None = every target)."""
    model = queryset.model._meta.label  # the surveys ModelAdmins that list this action
    if model == "surveys.Night":
        return {n: None for n in queryset}
    out: dict = defaultdict(set)
    if model == "surveys.Observation":
        for obs in queryset.select_related("night"):
            out[obs.night].add(obs.target_id)
    elif model == "surveys.Target":
        for night, target_id in selectors.l1_nights_of_targets(targets=queryset):
            out[night].add(target_id)
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
