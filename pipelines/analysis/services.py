"""Write side of L3 analyses: fit a target's current L2, store the L3 product, run the survey.

Entry points for other apps:
- `target_l3_refresh(target=...)`: refit now (no-op when the L2 inputs and settings are unchanged);
- `target_l3_refresh_later(target_id)`: queue that after the current transaction commits (the
  calibration step calls this when it makes a new current L2 version);
- `survey_run_start(user=...)`: the button: one task per target, chunked, progress in a PipelineRun.
"""
from __future__ import annotations

import json
import logging

import numpy as np

from django.db import transaction
from django.db.models import Count, Q

from archive.services import product_key, product_version_create
from archive.storage import absolute_path
from domain.errors import NotFoundError, PermissionRefused, ValidationFailed
from domain.storage import DiskFull
from issp_portal.plugins import load_plugin
from pipelines.analysis import selectors
from pipelines.analysis.engines import EngineError
from pipelines.analysis.fitting import analyse
from pipelines.analysis.limb_darkening import band_of, coefficients_for
from pipelines.analysis.models import DiameterResult
from pipelines.analysis.oifits_io import OifitsReadError, read_oifits
from pipelines.models import PipelineRun
from pipelines.runs import run_advance, run_complete, run_create, run_fail
from surveys.models import Program, Target

log = logging.getLogger(__name__)
SOFTWARE = "issp-portal analysis 1.0"


def engine_for(name: str):
    """The engine class named in settings.ANALYSIS_ENGINES, instantiated."""
    return load_plugin("ANALYSIS_ENGINES", name)()


def _read_group(group: selectors.L2Group):
    versions = selectors.l2_versions(group)
    return versions, read_oifits([absolute_path(v.path) for v in versions])


def _fit_group(*, target: Target, group: selectors.L2Group, run: PipelineRun | None, processed_by=None
               ) -> DiameterResult:
    fingerprint = group.fingerprint()
    program = Program.objects.get(pk=group.program_id)
    base = dict(input_fingerprint=fingerprint, run=run, t_max=group.t_max, engine="scipy")
    try:
        versions, data = _read_group(group)
        law = selectors.settings_value("LD_LAW")
        coeff, coeff_source = coefficients_for(law, target.spectral_type, data.v2.wavelength)  # per channel
        result = analyse(data, ld_law=law, ld_coeff=coeff, n_boot=int(selectors.settings_value("BOOTSTRAP")),
                         seed=int(fingerprint[:8], 16), cp_threshold=float(selectors.settings_value("CP_THRESHOLD")),
                         poor_fit_chi2=float(selectors.settings_value("POOR_FIT_CHI2")))
    except (OifitsReadError, OSError, ValueError, np.linalg.LinAlgError) as exc:
        log.warning("L3 fit of %s %s failed: %s", target.name, group.instrument, exc)
        row, _ = DiameterResult.objects.update_or_create(
            target=target, program=program, instrument=group.instrument,
            defaults={**base, "status": DiameterResult.Status.FAILED, "error": str(exc)[:2000], "version": None,
                      "ud_mas": None, "ld_mas": None, "flags": "fit_failed"})
        return row
    engine = engine_for("scipy")
    parameters = {"model": ["ud", "ld"], "engine": engine.name, "engine_version": engine.version(),
                  "ld_law": law, "ld_coeff": result.ld.coeff, "ld_coeff_range": result.ld.coeff_range,
                  "ld_coeff_source": coeff_source,
                  "bootstrap": result.ud.n_bootstrap, "bootstrap_over": result.ud.bootstrap_over,
                  "cp_threshold": result.closure.threshold if result.closure else None}
    content = {
        "target": target.name, "program": program.code, "instrument": group.instrument,
        "band": band_of(data.mean_wavelength), "wavelength_um": data.mean_wavelength * 1e6,
        "inputs": [{"version_id": v.pk, "product": v.product.key, "number": v.number, "sha256": v.sha256}
                   for v in versions],
        "parameters": parameters, "n_v2": len(data.v2), "n_t3": len(data.t3), "n_nights": data.n_nights,
        **result.as_dict(),
    }
    t_mins = [v.product.t_min for v in versions if v.product.t_min is not None]
    with transaction.atomic():
        version, _ = product_version_create(
            calib_level=3, kind="diameter", program=program, target=target, instrument=group.instrument,
            setup=program.code, filename=f"{target.name.replace(' ', '_')}_{group.instrument}_diameter.json",
            key=product_key(calib_level=3, kind="diameter", instrument=group.instrument, target_name=target.name,
                            night_date=None, setup=program.code),
            content=json.dumps(content, sort_keys=True, indent=1).encode(), software=SOFTWARE,
            parameters=parameters, inputs=versions, processed_by=processed_by,
            processing="manual" if processed_by else "automatic",
            provenance={"l2_versions": [v.pk for v in versions], "fingerprint": fingerprint},
            t_min=min(t_mins) if t_mins else None, t_max=group.t_max,
        )
        ud, ld, cp = result.ud, result.ld, result.closure
        row, _ = DiameterResult.objects.update_or_create(
            target=target, program=program, instrument=group.instrument,
            defaults={**base, "status": DiameterResult.Status.OK, "error": "", "version": version,
                      "engine": engine.version(), "band": content["band"],
                      "wavelength_um": content["wavelength_um"],
                      "ud_mas": ud.theta, "ud_err_formal": ud.err_formal, "ud_err_boot": ud.err_bootstrap,
                      "ud_chi2": ud.chi2_red, "ld_mas": ld.theta, "ld_err_formal": ld.err_formal,
                      "ld_err_boot": ld.err_bootstrap, "ld_chi2": ld.chi2_red, "ld_law": law, "ld_coeff": ld.coeff,
                      "ld_coeff_source": coeff_source[:120], "n_v2": len(data.v2), "n_t3": len(data.t3),
                      "n_nights": data.n_nights, "bootstrap_over": ud.bootstrap_over,
                      "cp_chi2": cp.chi2_red if cp else None, "single_disk": cp.single_disk if cp else None,
                      "flags": ",".join(result.flags)})
    return row


def target_l3_refresh(*, target: Target, run: PipelineRun | None = None, force: bool = False,
                      processed_by=None) -> list[DiameterResult]:
    """Fit every (program, instrument) group of the target's current L2 whose inputs changed (or all if force)."""
    groups = selectors.l2_groups([target.pk]).get(target.pk, [])
    existing = {(r.program_id, r.instrument): r for r in DiameterResult.objects.filter(target=target)}
    rows = []
    for group in groups:
        row = existing.pop((group.program_id, group.instrument), None)
        if row is not None and not force and row.input_fingerprint == group.fingerprint():
            rows.append(row)
            continue
        rows.append(_fit_group(target=target, group=group, run=run, processed_by=processed_by))
    for stale in existing.values():  # its L2 is gone: the diameter no longer stands
        stale.delete()
    return rows


def target_l3_refresh_later(target_id: int) -> None:
    """Queue the target's L3 products (diameters, companion screen) once the caller's transaction has committed.

    The screen is left to the survey run and the beat sweep when ANALYSIS_COMPANION_AUTO is off.
    """
    from pipelines.analysis.tasks import analysis_target_fit_task, companion_target_task

    screen = bool(selectors.settings_value("COMPANION_AUTO"))

    def send():
        analysis_target_fit_task.delay(target_id)
        if screen:
            companion_target_task.delay(target_id)

    transaction.on_commit(send)


def stale_refresh() -> int:
    """Queue a refit (and a rescreen) of every target whose current L2 changed since (periodic safety net)."""
    from pipelines.analysis.companion_services import stale_target_ids, target_companion_refresh_later

    ids = selectors.stale_target_ids()
    for target_id in ids:
        target_l3_refresh_later(target_id)
    screened = set(ids) if selectors.settings_value("COMPANION_AUTO") else set()
    others = [t for t in stale_target_ids() if t not in screened]
    for target_id in others:
        target_companion_refresh_later(target_id)
    return len(ids) + len(others)


# --- survey runs (the button) ---------------------------------------------------------------------
def survey_targets(*, user, verb: str) -> list[int]:
    """Targets with current L2 in the programs where the user is PI or data manager (all for staff)."""
    program_ids = selectors.runnable_program_ids(user=user)
    if program_ids is not None and not program_ids:
        raise PermissionRefused(f"Only staff, PIs and data managers may {verb} the survey.")
    target_ids = selectors.targets_with_l2(program_ids)
    if not target_ids:
        raise ValidationFailed(f"No target has current L2 data to {verb}.", {"targets": "none with current L2"})
    return target_ids


def survey_run_start(*, user, force: bool = False) -> PipelineRun:
    """Create the run and queue its dispatch; scope = programs where the user is PI or data manager."""
    target_ids = survey_targets(user=user, verb="fit")
    run = run_create(
        kind=PipelineRun.Kind.L3, requested_by=user if user.is_authenticated
        else None, processing="manual", total=len(target_ids),
        parameters={"target_ids": target_ids, "force": force, "settings": selectors.fit_settings_signature()})
    from pipelines.analysis.tasks import analysis_survey_dispatch_task

    transaction.on_commit(lambda: analysis_survey_dispatch_task.delay(str(run.pk)))
    return run




def run_target_fit(*, target_id: int, run_id=None, force: bool = False) -> None:
    """One survey step: refit one target and advance the run's progress, whatever happened."""
    run = PipelineRun.objects.filter(pk=run_id).first() if run_id else None
    try:
        target = Target.objects.get(pk=target_id)
        target_l3_refresh(target=target, run=run, force=force)
    except Target.DoesNotExist:
        log.warning("L3 run %s: target %s vanished", run_id, target_id)
    except DiskFull as exc:  # the survey run fails with the reason (nothing of this fit was stored)
        if run is not None:
            run_fail(run_id=run.pk, error=exc)
        raise
    finally:
        if run is not None:
            _advance(run.pk)


def _advance(run_id) -> None:
    run_advance(run_id=run_id, step=1)
    if PipelineRun.objects.filter(pk=run_id, phase=PipelineRun.Phase.FAILED).exists():
        return  # a failed survey run (full disk) stays failed when its last target is done
    if run_complete(run_id=run_id, when_done=True):
        counts = DiameterResult.objects.filter(run_id=run_id).aggregate(
            fitted=Count("pk", filter=Q(status="ok")), failed=Count("pk", filter=Q(status="failed")),
            not_single_disk=Count("pk", filter=Q(flags__contains="not_single_disk")))
        run_advance(run_id=run_id, report=counts)


# --- a person's model fit with a chosen engine ------------------------------------------------------
def target_model_fit(*, target_id: int, program_id: int, instrument: str, engine: str, model: str, user=None):
    """Fit `model` with `engine` on one group's current L2; stored as an L3 product of kind "model-<model>"."""
    target = Target.objects.filter(pk=target_id).first()
    group = next((g for g in selectors.l2_groups([target_id]).get(target_id, [])
                  if g.program_id == program_id and g.instrument == instrument), None)
    if target is None or group is None:
        raise NotFoundError("No current L2 data for this target, program and instrument.")
    try:
        fitter = engine_for(engine)
        versions, data = _read_group(group)
        fit = fitter.fit(data, model=model)
    except EngineError as exc:
        raise ValidationFailed(str(exc), {"model": str(exc)})
    except OifitsReadError as exc:
        raise ValidationFailed(str(exc), {"inputs": str(exc)})
    program = Program.objects.get(pk=program_id)
    content = {"target": target.name, "instrument": instrument, "fit": fit.as_dict(),
               "inputs": [v.pk for v in versions]}
    version, _ = product_version_create(
        calib_level=3, kind=f"model-{model}", program=program, target=target, instrument=instrument,
        setup=f"{program.code}-{engine}", filename=f"{target.name.replace(' ', '_')}_{instrument}_{model}.json",
        content=json.dumps(content, sort_keys=True, indent=1).encode(), software=f"{SOFTWARE}; {fit.engine_version}",
        parameters={"model": model, "engine": engine, "engine_version": fit.engine_version}, inputs=versions,
        processed_by=user, processing="manual", t_max=group.t_max)
    return version
