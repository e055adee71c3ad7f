"""Write side of L2 calibration: start runs, execute one (night, setup), flag suspects."""
from __future__ import annotations

import dataclasses
import logging
import tempfile
from pathlib import Path

from django.db import transaction

from archive.services import product_key, product_version_create
from domain.errors import ValidationFailed
from domain.instruments import get_instrument
from notifications.models import EventKind
from notifications.services import notify_later
from pipelines.analysis.services import target_l3_refresh_later
from pipelines.calibration import selectors
from pipelines.calibration.engine import SOFTWARE, CalParams, Diameter, SetupResult, calibrate_setup
from pipelines.calibration.exclusions import match_exclusions
from pipelines.calibration.grouping import group_by_setup
from pipelines.calibration.oifits_io import L1File, L1ReadError, read_l1, write_l2
from pipelines.models import PipelineRun
from pipelines.runs import run_advance, run_complete, run_create, run_fail, run_start
from surveys.models import Calibrator, CalibratorFlag, Night
from surveys.services import calibrator_flag_create

log = logging.getLogger(__name__)


def params_validate(parameters: dict | None) -> CalParams:
    """Parameters as given by an operator or a caller; ValidationFailed names the bad field."""
    try:
        return CalParams.from_dict(parameters)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("Invalid calibration parameters.", {"parameters": str(exc)})


def _load_night(night: Night) -> tuple[dict[str, list[L1File]], dict[Path, object], list[str]]:
    """Read the night's L1 files; returns setups, path -> L1 version, and unreadable-file errors."""
    files, by_path, errors = [], {}, []
    for version in selectors.l1_versions_for_night(night=night):
        path = selectors.version_path(version)
        try:
            f = read_l1(path)
        except (L1ReadError, OSError, KeyError) as exc:
            errors.append(f"L1 {version.product.key} v{version.number}: {exc}")
            continue
        files.append(f)
        by_path[f.path] = version
    return group_by_setup(files), by_path, errors


def calibration_runs_start(*, night: Night, parameters: dict | None = None, processing: str = "automatic",
                           requested_by=None, only_target_ids: list[int] | None = None) -> list[PipelineRun]:
    """Create one L2 run per setup of the night and queue them together (a Celery group) on commit."""
    params = params_validate(parameters)
    setups, _, _ = _load_night(night)
    if not setups:
        raise ValidationFailed("No L1 products to calibrate.", {"night": f"{night} has no readable L1 OIFITS"})
    params = _exclusions_checked(params, setups, night)
    runs = []
    with transaction.atomic():
        for key, files in setups.items():
            n_sci = sum(1 for f in files if f.role == "SCIENCE")
            runs.append(run_create(
                kind=PipelineRun.Kind.L2, night=night, setup=key, processing=processing, requested_by=requested_by,
                parameters={**params.as_dict(), "only_target_ids": sorted(only_target_ids or [])}, total=n_sci))
        ids = [str(r.pk) for r in runs]
        transaction.on_commit(lambda: _queue(ids))
    return runs


def observed_calibrators(setups: dict[str, list[L1File]]) -> list[str]:
    """Names of the calibrators observed in these setups (as written in the L1 headers)."""
    return sorted({f.target for files in setups.values() for f in files if f.role == "CALIBRATION"})


def _exclusions_checked(params: CalParams, setups: dict[str, list[L1File]], night: Night) -> CalParams:
    """Excluded calibrators spelled as in the headers; one matching no observed calibrator is refused."""
    if not params.excluded_calibrators:
        return params
    observed = observed_calibrators(setups)
    matched, unmatched = match_exclusions(params.excluded_calibrators, observed)
    if unmatched:
        raise ValidationFailed("Nothing was started: an excluded calibrator was not observed that night.", {
            "excluded_calibrators": f"{', '.join(unmatched)} matches no calibrator observed on {night} "
                                    f"(observed: {', '.join(observed) or 'none'})"})
    return dataclasses.replace(params, excluded_calibrators=tuple(matched))


def _queue(run_ids: list[str]) -> None:
    from celery import group

    from pipelines.calibration.tasks import calibrate_setup_task

    group(calibrate_setup_task.s(rid) for rid in run_ids).apply_async()


def night_calibrate_if_complete(*, night: Night) -> list[PipelineRun]:
    """Automatic trigger, for the ingest side: call it when the night's L1 products are complete.

    Does nothing (returns []) while L1 runs of the night are pending or running, when the
    night has no L1 product, or when an automatic L2 run of the night is already queued.
    Otherwise starts the L2 runs with the default parameters, recorded as "automatic".
    """
    if PipelineRun.objects.filter(night=night, kind=PipelineRun.Kind.L1,
                                  phase__in=[PipelineRun.Phase.PENDING, PipelineRun.Phase.RUNNING]).exists():
        return []
    if PipelineRun.objects.filter(night=night, kind=PipelineRun.Kind.L2, processing="automatic",
                                  phase__in=[PipelineRun.Phase.PENDING, PipelineRun.Phase.RUNNING]).exists():
        return []
    if not selectors.l1_versions_for_night(night=night):
        return []
    return calibration_runs_start(night=night, processing="automatic")


def calibration_run_execute(*, run_id) -> PipelineRun:
    """Run one (night, setup). Idempotent: same inputs and parameters reuse the archived versions.

    ConflictError while another live attempt runs it; any other error fails the run (pipelines.runs)
    and propagates to the task.
    """
    run = run_start(run_id=run_id, restart=True, exclusive=True)
    try:
        report = _execute(run)
    except Exception as exc:
        log.exception("L2 run %s failed", run.pk)
        run_fail(run_id=run.pk, error=exc)
        raise
    run_complete(run_id=run.pk, report=report)
    run.refresh_from_db()
    return run


def _diameter(f: L1File, version, night: Night, cal: Calibrator | None) -> Diameter | None:
    """Catalog (UD in the instrument's band), then header JSDC DIAMETER, then the OB's DIAMETER."""
    field = get_instrument(f.instrument).calibrator_diameter_field
    if cal is not None and getattr(cal, field):
        err = getattr(cal, f"e_{field}") or 0.0
        return Diameter(float(getattr(cal, field)), float(err), "catalog")
    value, err = f.header_diameter
    if value:
        return Diameter(value, err or 0.0, "header")
    value = selectors.ob_diameter(name=f.target, version=version, night=night)
    if value:
        return Diameter(value, 0.0, "ob")
    return None


def _execute(run: PipelineRun) -> dict:
    night = run.night
    params = params_validate({k: v for k, v in run.parameters.items() if k != "only_target_ids"})
    setups, by_path, read_errors = _load_night(night)
    files = setups.get(run.setup)
    if not files:
        raise ValidationFailed(f"setup {run.setup} has no L1 file on {night}")
    cal_rows, diameters, flagged = {}, {}, {}
    for f in files:
        if f.role != "CALIBRATION" or f.target in diameters:
            continue
        cal = cal_rows[f.target] = selectors.calibrator_by_name(f.target)
        diameters[f.target] = _diameter(f, by_path[f.path], night, cal)
        if cal is not None:
            flags = selectors.active_flags(calibrator=cal, night=night.date)
            if flags:
                flagged[f.target] = "; ".join(
                    f"flag {fl.get_kind_display()}" + (" (proposed on this night)" if fl.state == "proposed" else "")
                    + (f": {fl.comment}" if fl.comment else "") for fl in flags)
    only = set(run.parameters.get("only_target_ids") or [])
    science_paths = {f.path for f in files if f.role == "SCIENCE"
                     and (not only or by_path[f.path].product.target_id in only)}
    run_advance(run_id=run.pk, total=len(science_paths))
    result = calibrate_setup(files, diameters, flagged, params, science_paths)
    science = _store(run, result, by_path, cal_rows, params, files)
    suspects = _flag_suspects(run, result, cal_rows)
    return _report(run, result, params, science, suspects, read_errors)


def _store(run: PipelineRun, result: SetupResult, by_path: dict, cal_rows: dict, params: CalParams,
           files: list[L1File]) -> list[dict]:
    out = []
    changed_targets: set[int] = set()  # each target's L3 is refreshed once per run, not once per new L2 file
    processing = "manual" if run.processing == "manual" else "automatic"
    with tempfile.TemporaryDirectory(prefix="l2-") as tmp:
        for sr in result.science:
            l1v = by_path[sr.l1.path]
            product = l1v.product
            start = (sr.l1.start or "").split(".")[0].replace(":", "-")
            name = f"{sr.l1.instrument}_{start}_{sr.l1.target.replace(' ', '')}_L2.fits"
            path = write_l2(sr.l1.path, Path(tmp) / name, sr.content, SOFTWARE)
            inputs = [l1v] + [by_path[f.path] for f in files
                              if f.role == "CALIBRATION" and f.target in sr.calibrators]
            key = product_key(calib_level=2, kind="oifits", instrument=product.instrument,
                              target_name=product.target.name, night_date=run.night.date.isoformat(),
                              setup=run.setup) + f"/{start}"
            version, created = product_version_create(
                calib_level=2, kind="oifits", program=product.program, target=product.target, night=run.night,
                observation=product.observation, instrument=product.instrument, setup=run.setup, key=key,
                filename=name, source_path=path, processing=processing, check=True,
                processed_by=run.requested_by if processing == "manual" else None, software=SOFTWARE,
                parameters=params.as_dict(), inputs=inputs,
                calibrators=[cal_rows[n] for n in sr.calibrators if cal_rows.get(n)],
                provenance={"run": str(run.pk), "setup": run.setup, "calibrators": sr.content.calibrators,
                            "method": sr.content.cards},
                t_min=float(sr.l1.mjd.min()), t_max=float(sr.l1.mjd.max()))
            out.append({"target": sr.l1.target, "start": sr.l1.start, "version_id": version.pk,
                        "version": version.number, "created": created, "calibrators": sr.calibrators,
                        "product_key": key})
            if created:  # the target's current L2 changed: its L3 diameters are refitted; reviewers are told
                changed_targets.add(product.target_id)
                notify_later(kind=EventKind.L2_AWAITS_VALIDATION, object_id=version.pk)
            run_advance(run_id=run.pk, step=1)
    for target_id in sorted(changed_targets):
        target_l3_refresh_later(target_id)
    return out


def _json_safe(d: dict) -> dict:
    """NaN is not JSON: an undefined number (e.g. no closure phase) is stored as null, also in nested dicts."""
    def clean(v):
        if isinstance(v, float) and v != v:
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v
    return {k: clean(v) for k, v in d.items()}


def _flag_suspects(run: PipelineRun, result: SetupResult, cal_rows: dict) -> list[dict]:
    """Each automatic suspect becomes a *proposed* flag of its night (surveys owns the flags)."""
    out = []
    for check in result.checks:
        if not check["suspect"]:
            continue
        cal = cal_rows.get(check["name"])
        created = False
        if cal is not None:
            before = CalibratorFlag.objects.filter(calibrator=cal, kind=CalibratorFlag.Kind.SUSPECT).count()
            flag = calibrator_flag_create(
                calibrator=cal, kind=CalibratorFlag.Kind.SUSPECT, declared_by=None, proposed_on=run.night.date,
                comment="bad (binarity?): " + "; ".join(check["reasons"]),
                evidence=_json_safe({"run": str(run.pk), "setup": run.setup, "night": run.night.date.isoformat(),
                                     **{k: check[k] for k in ("closure_chi2", "pair_chi2_max", "pairs", "pair_tension",
                                                              "catalog_diameter", "catalog_error", "n_visits")}}))
            created = CalibratorFlag.objects.filter(calibrator=cal, kind=CalibratorFlag.Kind.SUSPECT).count() > before
            if created:  # whoever decides calibrator flags is told (notifications)
                notify_later(kind=EventKind.SUSPECT_CALIBRATOR, object_id=flag.pk)
        out.append({"name": check["name"], "flag_created": created, "in_catalog": cal is not None,
                    "reasons": list(check["reasons"])})
    return out


def _report(run, result: SetupResult, params: CalParams, science: list[dict], suspects: list[dict],
            read_errors: list[str]) -> dict:
    return {"setup": run.setup, "software": SOFTWARE, "parameters": params.as_dict(),
            "calibrators": result.calibrators, "excluded": result.excluded, "errors": read_errors + result.errors,
            "checks": [_json_safe(c) for c in result.checks], "suspects": suspects, "science": science,
            "tf_plot": result.tf_plot}
