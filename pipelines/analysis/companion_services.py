"""Write side of the L3 companion screen: screen a target's current L2, store the product, run the survey.

Entry points:
- `target_companion_refresh(target=...)`: screen now (no-op when the L2 inputs and settings are unchanged);
- `target_companion_refresh_later(target_id)`: queue that after commit (`services.target_l3_refresh_later`
  calls it, so the screen is redone exactly when the diameters are: a new current L2);
- `companion_run_start(user=...)`: the survey button, one task per target in chunks, progress in a run.

The survey screen is the package's full CANDID scheme on a coarser setting (`companion.screen.SURVEY`).
Settings may override it (ANALYSIS_COMPANION_SCREEN); it enters the fingerprint, so a change rescreens everyone.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from typing import TYPE_CHECKING

import numpy as np

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from archive.services import product_key, product_version_create
from archive.storage import absolute_path
from pipelines.analysis import selectors
from pipelines.analysis.companion import CompanionDataError, read_binary_data
from pipelines.analysis.companion.screen import SURVEY, screen
from pipelines.analysis.models import CompanionResult
from pipelines.models import PipelineRun
from pipelines.runs import run_advance, run_complete, run_create

if TYPE_CHECKING:
    from surveys.models import Target

log = logging.getLogger(__name__)
SOFTWARE = "issp-portal companion screen 1.0"


def screen_settings() -> dict:
    return {**SURVEY, **getattr(settings, "ANALYSIS_COMPANION_SCREEN", {})}


def fingerprint(group: selectors.L2Group) -> str:
    text = group.fingerprint() + "|companion|" + json.dumps(screen_settings(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _finite(value):
    """JSON has no NaN or infinity: a limit never reached is stored as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def content_of(result, *, target: str, program: str, instrument: str, versions, options: dict) -> dict:
    """The L3 product: the search result, its χ² map and the detection-limit curves."""
    cmap = result.chi2_map
    out = {"target": target, "program": program, "instrument": instrument, "parameters": options,
           "inputs": [{"version_id": v.pk, "product": v.product.key, "number": v.number, "sha256": v.sha256}
                      for v in versions], **result.as_dict()}
    if cmap is not None:
        out["chi2_map"] = {"x_mas": cmap.x.tolist(), "y_mas": cmap.y.tolist(),
                           "delta_chi2": np.round(cmap.gain, 3).tolist()}
    return _finite(out)


def _limit(result, radius: float) -> float | None:
    if result.limits is None:
        return None
    value = result.limits.at(radius)
    return None if value is None or not math.isfinite(value) else 100.0 * value


def _screen_group(*, target: Target, group: selectors.L2Group, run: PipelineRun | None) -> CompanionResult:
    program = selectors.program_of(group)
    options = screen_settings()
    fp = fingerprint(group)
    base = dict(input_fingerprint=fp, run=run, t_max=group.t_max, threshold=options["threshold"])
    versions = selectors.l2_versions(group)
    try:
        data = read_binary_data([absolute_path(v.path) for v in versions])
        result = screen(data, options, seed=int(fp[:8], 16))
    except (CompanionDataError, OSError, ValueError, np.linalg.LinAlgError) as exc:
        log.warning("companion screen of %s %s failed: %s", target.name, group.instrument, exc)
        row, _ = CompanionResult.objects.update_or_create(
            target=target, program=program, instrument=group.instrument,
            defaults={**base, "status": CompanionResult.Status.FAILED, "error": str(exc)[:2000], "version": None,
                      "detected": None, "nsigma": None, "separation_mas": None, "position_angle_deg": None,
                      "flux_ratio_percent": None, "flux_ratio_err_percent": None, "limit5_5mas": None,
                      "limit5_20mas": None})
        return row
    content = content_of(result, target=target.name, program=program.code, instrument=group.instrument,
                         versions=versions, options=options)
    best = result.best
    t_mins = [v.product.t_min for v in versions if v.product.t_min is not None]
    with transaction.atomic():
        version, _ = product_version_create(
            calib_level=3, kind="companion", program=program, target=target, instrument=group.instrument,
            setup=program.code, filename=f"{target.name.replace(' ', '_')}_{group.instrument}_companion.json",
            key=product_key(calib_level=3, kind="companion", instrument=group.instrument, target_name=target.name,
                            night_date=None, setup=program.code),
            content=json.dumps(content, sort_keys=True).encode(), software=SOFTWARE, parameters=options,
            inputs=versions, processing="automatic", provenance={"l2_versions": [v.pk for v in versions],
                                                                 "fingerprint": fp},
            t_min=min(t_mins) if t_mins else None, t_max=group.t_max)
        row, _ = CompanionResult.objects.update_or_create(
            target=target, program=program, instrument=group.instrument,
            defaults={**base, "status": CompanionResult.Status.OK, "error": "", "version": version,
                      "detected": result.detected, "nsigma": best.nsigma if best else None,
                      "separation_mas": best.separation if best else None,
                      "position_angle_deg": best.position_angle if best else None,
                      "flux_ratio_percent": 100 * best.flux_ratio if best else None,
                      "flux_ratio_err_percent": 100 * best.flux_ratio_err if best else None,
                      "limit5_5mas": _limit(result, 5.0), "limit5_20mas": _limit(result, 20.0),
                      "rmax_mas": result.rmax, "n_points": result.n_points,
                      "seconds": result.seconds.get("total")})
    return row


def target_companion_refresh(*, target: Target, run: PipelineRun | None = None, force: bool = False
                             ) -> list[CompanionResult]:
    """Screen every (program, instrument) group of the target's current L2 whose inputs changed (or all)."""
    groups = selectors.l2_groups([target.pk]).get(target.pk, [])
    existing = {(r.program_id, r.instrument): r for r in CompanionResult.objects.filter(target=target)}
    rows = []
    for group in groups:
        row = existing.pop((group.program_id, group.instrument), None)
        if row is not None and not force and row.input_fingerprint == fingerprint(group):
            rows.append(row)
            continue
        rows.append(_screen_group(target=target, group=group, run=run))
    for stale in existing.values():  # its L2 is gone
        stale.delete()
    return rows


def target_companion_refresh_later(target_id: int) -> None:
    from pipelines.analysis.tasks import companion_target_task

    transaction.on_commit(lambda: companion_target_task.delay(target_id))


def stale_target_ids() -> list[int]:
    """Targets whose current L2 (or screen settings) changed since their last screen, or never screened."""
    groups = selectors.l2_groups()
    done: dict[int, dict] = {}
    for t, p, i, fp in CompanionResult.objects.values_list("target_id", "program_id", "instrument",
                                                           "input_fingerprint"):
        done.setdefault(t, {})[(p, i)] = fp
    stale = {t for t in done if t not in groups}
    for target_id, target_groups in groups.items():
        if {(g.program_id, g.instrument): fingerprint(g) for g in target_groups} != done.get(target_id, {}):
            stale.add(target_id)
    return sorted(stale)


def companion_run_start(*, user, force: bool = False) -> PipelineRun:
    """The survey screen: one task per target with current L2, in chunks; scope as the survey fit."""
    from pipelines.analysis.services import survey_targets

    target_ids = survey_targets(user=user, verb="screen")
    run = run_create(kind=PipelineRun.Kind.L3, requested_by=user if user.is_authenticated else None,
                     processing="manual", total=len(target_ids),
                     parameters={"product": "companion", "target_ids": target_ids, "force": force,
                                 "screen": screen_settings()})
    from pipelines.analysis.tasks import companion_dispatch_task

    transaction.on_commit(lambda: companion_dispatch_task.delay(str(run.pk)))
    return run


def run_target_screen(*, target_id: int, run_id=None, force: bool = False) -> None:
    """One survey step: screen one target and advance the run's progress, whatever happened."""
    run = PipelineRun.objects.filter(pk=run_id).first() if run_id else None
    try:
        target = selectors.target_or_none(target_id)
        if target is None:
            log.warning("companion run %s: target %s vanished", run_id, target_id)
        else:
            target_companion_refresh(target=target, run=run, force=force)
    finally:
        if run is not None:
            run_advance(run_id=run.pk, step=1)
            if run_complete(run_id=run.pk, when_done=True):
                run_advance(run_id=run.pk, report=CompanionResult.objects.filter(run_id=run.pk).aggregate(
                    screened=Count("pk", filter=Q(status="ok")), failed=Count("pk", filter=Q(status="failed")),
                    detected=Count("pk", filter=Q(detected=True))))
