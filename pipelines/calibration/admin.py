"""Admin: the L2 runs with their report; the "Re-run L2 calibration" action (admin_actions.py) on surveys' pages."""
from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from pipelines.calibration.admin_actions import rerun_l2_calibration
from pipelines.calibration.models import CalibrationRun
from surveys.admin import add_action

for _label in ("surveys.Night", "surveys.Observation", "surveys.Target"):
    add_action(_label, rerun_l2_calibration)


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
