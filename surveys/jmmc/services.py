"""Write-side of the JMMC catalog sync: rows -> targets and goals, priority write-back.

The catalog (JMMC `spica`) is the source of the target list and PI priorities;
the portal keeps the last-read copy of each row (CatalogRow) so that it writes
only what changed and refuses a write-back based on a stale read. Portal targets
are never deleted or renamed by a sync: renamed/removed rows are reported.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from domain.errors import (
    ApplicationError,
    ConflictError,
    PermissionRefused,
    ServiceUnavailable,
    ValidationFailed,
)
from domain.runs import FINISHED, error_text, stale_cutoff, stale_reason
from surveys.jmmc.clients import CatalogApiClient, TapCatalogReader, jmmc_settings
from surveys.jmmc.models import CatalogRow, SyncRun
from surveys.jmmc.sync import Change, Known, SyncPlan, diff_rows, normalize_row
from surveys.models import Program, Target
from surveys.selectors import programs_with_role
from surveys.services import survey_goal_set, target_upsert

logger = logging.getLogger(__name__)
PRIORITY_RANGE = (1, 99)


def sync_program() -> Program:
    """The portal program the catalog's targets and goals belong to (JMMC_PROGRAM_CODE)."""
    code = getattr(settings, "JMMC_PROGRAM_CODE", "issp")
    program = Program.objects.filter(code=code).first()
    if program is None:
        raise ValidationFailed("no program for the catalog", {"JMMC_PROGRAM_CODE": f"no program {code!r}"})
    return program


def known_rows(catalog: str) -> dict[str, Known]:
    rows = CatalogRow.objects.filter(catalog=catalog).select_related("target")
    return {
        r.row_id: Known(r.row_id, r.values, r.target.name if r.target else None, r.removed_at is not None)
        for r in rows
    }


@dataclass
class SyncResult:
    plan: SyncPlan
    run: SyncRun | None = None
    report: list[str] = field(default_factory=list)


def catalog_sync(*, dry_run: bool = False, rows: list[dict] | None = None) -> SyncResult:
    """Read the whole catalog (TAP) and apply what changed since the last read.

    With `dry_run`, nothing is written: the plan says what would change.
    """
    catalog = jmmc_settings()["catalog"]
    program = sync_program()
    run = None if dry_run else SyncRun.objects.create(catalog=catalog, phase=SyncRun.Phase.RUNNING,
                                                       heartbeat=timezone.now())
    try:
        remote = rows if rows is not None else TapCatalogReader().rows()
    except ApplicationError as exc:
        if run is not None:
            run.phase, run.ended, run.error_summary = SyncRun.Phase.FAILED, timezone.now(), error_text(exc.message)
            run.heartbeat = run.ended
            run.save()
        raise
    plan = diff_rows(remote, known_rows(catalog))
    if dry_run:
        return SyncResult(plan, None, [c.describe() for c in plan.changes] + plan.errors)
    report = list(plan.errors)
    now = timezone.now()
    SyncRun.objects.filter(pk=run.pk).update(heartbeat=now)  # the read is done: a sign of life
    for i, change in enumerate(plan.changes, 1):
        if i % 200 == 0:
            SyncRun.objects.filter(pk=run.pk).update(heartbeat=timezone.now())
        try:
            with transaction.atomic():
                report.append(_apply(change, catalog=catalog, program=program, now=now))
        except (ApplicationError, IntegrityError, ValueError) as exc:
            report.append(f"error on row {change.row_id} {change.name}: {getattr(exc, 'message', exc)}")
            plan.errors.append(str(exc))
    run.phase, run.ended = SyncRun.Phase.COMPLETED, timezone.now()
    run.heartbeat = run.ended
    run.counts, run.report = plan.counts(), report
    run.save()
    logger.info("JMMC %s sync: %s", catalog, run.counts)
    return SyncResult(plan, run, report)


def _target_fields(row: dict[str, Any]) -> dict[str, Any]:
    fields = {"ra_deg": row["ra"], "dec_deg": row["dec"], "priority": row["priority_pi"],
              "catalog_row_id": row["id"], "mag_v": row["vmag"]}
    if row["sptype"]:
        fields["spectral_type"] = row["sptype"]
    return fields


def _goal(target: Target, program: Program, row: dict[str, Any]) -> None:
    survey_goal_set(target=target, program=program, instrument=row["instrument"] or "SPICA", mode=row["mode"] or "",
                    required_observations=row["nb_obs"] or 1)


def _apply(change: Change, *, catalog: str, program: Program, now) -> str:
    """Apply one change in the portal; returns the report line."""
    state = CatalogRow.objects.filter(catalog=catalog, row_id=change.row_id).select_related("target").first()
    if change.kind == "removed":
        state.removed_at = now
        state.save(update_fields=["removed_at"])
        n_obs = state.target.observations.count() if state.target else 0
        return f"removed from the catalog: row {change.row_id} {change.name}; portal target kept ({n_obs} obs.)"
    row = change.row
    target = state.target if state else Target.objects.filter(catalog_row_id=row["id"]).first()
    line = change.describe()
    if target is None:
        same_name = Target.objects.filter(name=row["name"]).first()
        if same_name is not None and same_name.catalog_row_id not in (None, row["id"]):
            raise ValidationFailed(
                f"name {row['name']!r} is already the target of catalog row {same_name.catalog_row_id}",
                {"name": "name clash"},
            )
        name = row["name"]
    else:
        name = target.name  # never renamed by a sync: observations and people know it by this name
        if change.kind in ("renamed", "restored") and row["name"] != target.name:
            line = (f"renamed in the catalog: row {row['id']} is now {row['name']!r}; portal target "
                    f"{target.name!r} kept ({target.observations.count()} obs.)")
    target, _ = target_upsert(name=name, programs=[program], **_target_fields(row))
    _goal(target, program, row)
    CatalogRow.objects.update_or_create(
        catalog=catalog, row_id=row["id"],
        defaults={"target": target, "values": row, "last_read": now, "removed_at": None,
                  "renamed_from": target.name if target.name != row["name"] else ""},
    )
    return line


# --- priority write-back ------------------------------------------------------------


class PriorityConflict(ConflictError):
    """The remote priority changed since the portal read it: both values go to the user."""

    def __init__(self, *, remote: int | None, last_read: int | None, portal: int | None, wanted: int):
        super().__init__(
            f"the catalog's priority changed since the portal read it (catalog now {remote}, read {last_read})",
            {"remote": remote, "last_read": last_read, "portal": portal, "wanted": wanted},
        )


def user_can_edit_priority(*, user, target: Target) -> bool:
    """Staff, or a PI of a program the target belongs to."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    pi_programs = programs_with_role(user=user, roles=("pi",))
    return target.programs.filter(pk__in=pi_programs.values("pk")).exists()


def parse_priority(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed("invalid priority", {"priority": f"{value!r} is not a whole number"})
    low, high = PRIORITY_RANGE
    if not low <= number <= high:
        raise ValidationFailed("invalid priority", {"priority": f"must be between {low} and {high}"})
    return number


@transaction.atomic
def priority_write_back(*, target: Target, user, priority: Any, expected_remote: int | None) -> CatalogRow:
    """Write a PI's priority to the catalog (`PUT /{catalog}/{id}`), then to the portal.

    `expected_remote` is the catalog value the user's edit was based on; when the
    catalog now holds something else the write is refused (PriorityConflict).
    """
    if not user_can_edit_priority(user=user, target=target):
        raise PermissionRefused("only the program's PI (or staff) may change a target's priority")
    wanted = parse_priority(priority)
    catalog = jmmc_settings()["catalog"]
    state = CatalogRow.objects.select_for_update().filter(catalog=catalog, target=target, removed_at=None).first()
    if state is None:
        raise ValidationFailed("target not in the catalog", {"target": f"{target} has no row in {catalog}"})
    client = CatalogApiClient()
    remote = normalize_row(client.get_row(state.row_id))
    if remote["priority_pi"] != expected_remote:
        raise PriorityConflict(remote=remote["priority_pi"], last_read=state.remote_priority,
                               portal=target.priority, wanted=wanted)
    client.update_row(state.row_id, {"priority_pi": wanted})
    check = normalize_row(client.get_row(state.row_id))
    if check["priority_pi"] != wanted:
        raise ServiceUnavailable(f"the catalog did not keep priority {wanted} (reads {check['priority_pi']})")
    target_upsert(name=target.name, ra_deg=target.ra_deg, dec_deg=target.dec_deg, priority=wanted)
    target.priority = wanted
    state.values, state.last_read = check, timezone.now()
    state.save(update_fields=["values", "last_read"])
    logger.info("priority of %s set to %s in %s by %s", target, wanted, catalog, user)
    return state


def sync_runs_sweep_stale() -> list[str]:
    """Mark FAILED the syncs whose worker died: the one stale-run rule of domain.runs (as for pipeline runs).

    Last sign of life: the heartbeat, else the start (rows from before the heartbeat existed).
    """
    limit = float(settings.RUNS_STALE_S)
    now = timezone.now()
    cutoff = stale_cutoff(now, limit)
    silent = Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, started__lt=cutoff)
    stale = SyncRun.objects.exclude(phase__in=FINISHED).filter(silent)
    failed = []
    for run in stale.only("pk", "started", "heartbeat"):
        last_seen = run.heartbeat or run.started
        if SyncRun.objects.exclude(phase__in=FINISHED).filter(pk=run.pk).filter(silent).update(
                phase=SyncRun.Phase.FAILED, ended=now, error_summary=error_text(stale_reason(limit, last_seen))):
            logger.warning("JMMC sync %s marked failed: no sign of life for %.0f s", run.pk, limit)
            failed.append(str(run.pk))
    return failed
