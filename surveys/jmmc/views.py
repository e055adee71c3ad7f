"""Pages of the JMMC catalog sync: status (runs, rows needing a person) and the PI's priority edit."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from domain.errors import ApplicationError
from surveys.jmmc.clients import jmmc_settings
from surveys.jmmc.models import CatalogRow, SyncRun
from surveys.jmmc.services import PriorityConflict, priority_write_back, user_can_edit_priority
from surveys.models import Target
from surveys.selectors import programs_with_role


def _expected(value: str | None) -> int | None:
    """The catalog value the form was based on ('' = no priority)."""
    value = (value or "").strip()
    return int(value) if value.lstrip("-").isdigit() else None


SYNC_VIEWER_ROLES = ("pi",)


def may_see_sync_status(user) -> bool:
    """Staff and PIs follow the catalog sync (the navigation hides the page from the others)."""
    return user.is_authenticated and (user.is_staff
                                      or programs_with_role(user=user, roles=SYNC_VIEWER_ROLES).exists())


@login_required
def sync_status(request: HttpRequest) -> HttpResponse:
    """Last sync runs and their reports; rows renamed or removed in the catalog (staff and PIs)."""
    if not may_see_sync_status(request.user):
        raise PermissionDenied("staff and PIs only")
    catalog = jmmc_settings()["catalog"]
    rows = CatalogRow.objects.filter(catalog=catalog).select_related("target")
    context = {
        "catalog": catalog,
        "runs": SyncRun.objects.filter(catalog=catalog)[:10],
        "last": SyncRun.objects.filter(catalog=catalog).first(),
        "n_rows": rows.filter(removed_at=None).count(),
        "removed": rows.exclude(removed_at=None),
        "renamed": rows.exclude(renamed_from=""),
        "conf": {k: v for k, v in jmmc_settings().items() if k in ("catalog_url", "tap_url", "catalog")},
    }
    return render(request, "jmmc/sync_status.html", context)


@require_POST
@login_required
def sync_now(request: HttpRequest) -> HttpResponse:
    """Staff: queue a sync now (runs in-process when no broker is configured)."""
    if not request.user.is_staff:
        raise PermissionDenied("staff only")
    from surveys.jmmc.tasks import jmmc_catalog_sync_task

    try:
        transaction.on_commit(lambda: jmmc_catalog_sync_task.delay(force=True))
    except Exception as exc:  # eager mode runs the task here: show why instead of a 500
        messages.error(request, f"Sync failed: {getattr(exc, 'message', exc)}")
    else:
        messages.success(request, "Sync queued.")
    return redirect("jmmc:sync-status")


@login_required
def priority_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A PI changes a target's priority: written to the catalog first, refused on a stale read."""
    target = get_object_or_404(Target, pk=pk)
    if not user_can_edit_priority(user=request.user, target=target):
        raise PermissionDenied("only the program's PI (or staff) may change a target's priority")
    catalog = jmmc_settings()["catalog"]
    row = CatalogRow.objects.filter(catalog=catalog, target=target, removed_at=None).first()
    context = {"target": target, "row": row, "catalog": catalog, "errors": {}, "conflict": None,
               "expected": "" if row is None or row.remote_priority is None else row.remote_priority,
               "value": target.priority or ""}
    status = 200
    if request.method == "POST" and row is not None:
        context["value"] = request.POST.get("priority", "")
        try:
            priority_write_back(target=target, user=request.user, priority=request.POST.get("priority"),
                                expected_remote=_expected(request.POST.get("expected")))
        except PriorityConflict as exc:
            status, context["conflict"] = 409, exc.errors
            context["expected"] = "" if exc.errors["remote"] is None else exc.errors["remote"]
        except ApplicationError as exc:
            status, context["errors"] = exc.http_status, {**(exc.errors if isinstance(exc.errors, dict) else {}),
                                                       "detail": exc.message}
        else:
            messages.success(request, f"Priority of {target.name} is now {target.priority} in the portal "
                                      f"and in the {catalog} catalog.")
            return redirect("jmmc:priority-edit", pk=target.pk)
    return render(request, "jmmc/priority_edit.html", context, status=status)
