"""L1 of one raw file: run the instrument's runner, check the output, register it as an L1 product.

Idempotent: a (raw file, software) pair already registered is skipped; the
runner's output is deterministic for the stand-in and product registration is
idempotent on checksum, so a redelivered task never registers twice.
"""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction

from archive.services import product_key, product_version_create
from domain.instruments import get_instrument
from domain.storage import DiskFull
from issp_portal.plugins import load_plugin
from pipelines.models import PipelineRun, RawFile, ReductionOutput
from pipelines.reduction.base import BaseReductionRunner
from pipelines.reduction.checks import check_l1
from surveys.selectors import program_by_code, target_named

if TYPE_CHECKING:
    from surveys.models import Program, Target

LOG_LIMIT = 20000


def runner_for(instrument: str) -> BaseReductionRunner:
    """The configured runner of an instrument (settings.PIPELINES_REDUCTION_RUNNERS), with the portal's time limit."""
    runner = load_plugin("PIPELINES_REDUCTION_RUNNERS", get_instrument(instrument).runner_key)()
    limit = getattr(settings, "PIPELINES_L1_TIMEOUT_S", None)
    if limit and hasattr(runner, "timeout_s"):
        runner.timeout_s = float(limit)
    return runner


def _program_and_target(raw: RawFile) -> tuple[Program | None, Target | None]:
    """The product's program and target: the executed OB's, else the header's program code and star name."""
    if raw.observation_id:
        return raw.observation.program, raw.observation.target
    l0 = getattr(raw, "l0", None)
    if l0 is None:
        return None, None
    program = program_by_code(code=l0.program_code)
    target = target_named(names={l0.target_name, l0.target_name.replace("_", " ")})
    return program, target


def raw_file_reduce(*, raw: RawFile, runner: BaseReductionRunner, run: PipelineRun | None,
                    workroot: Path) -> ReductionOutput:
    """Reduce one consolidated raw file to L1 (or return what an earlier attempt already did)."""
    software = runner.software
    done = ReductionOutput.objects.filter(raw_file=raw, software=software).first()
    if done is not None:
        return done
    spec = get_instrument(raw.instrument)
    l0 = getattr(raw, "l0", None)
    role = (l0.obs_type if l0 else "") or None
    object_name = l0.target_name if l0 else ""
    # Own folder per attempt: a redelivered task may overlap an attempt that is still running.
    workdir = workroot / f"{raw.sha256[:16]}-{uuid.uuid4().hex[:8]}"
    result = runner.run([Path(raw.consolidated_path)], workdir)
    problems: list[str] = []
    if result.exit_status != 0:
        problems.append(f"{software} exited with status {result.exit_status}")
    if not result.outputs:
        problems.append("no output file")
    version = None
    if not problems:
        output = result.outputs[0]
        problems, validation = check_l1(output, spec, expected_object=object_name, expected_role=role)
        program, target = _program_and_target(raw)
        if not problems and (program is None or target is None):
            problems.append("no program/target known for this file (no executed OB, unknown star): not registered")
        if not problems:
            try:
                version = _register(raw=raw, output=output, program=program, target=target, software=software,
                                    role=role, object_name=object_name, run=run, validation=validation)
            except DiskFull:  # the run fails with the reason; the work folder goes too
                shutil.rmtree(workdir, ignore_errors=True)
                raise
    fields = dict(product_version=version, run=run, role=role or "", object_name=object_name,
                  exit_status=result.exit_status, log=result.log[-LOG_LIMIT:], problems=problems)
    try:
        with transaction.atomic():
            out, _ = ReductionOutput.objects.update_or_create(raw_file=raw, software=software, defaults=fields)
    except IntegrityError:  # an overlapping attempt registered it first: same product (idempotent)
        out = ReductionOutput.objects.get(raw_file=raw, software=software)
    shutil.rmtree(workdir, ignore_errors=True)
    return out


def _register(*, raw: RawFile, output: Path, program, target, software: str, role, object_name: str,
              run: PipelineRun | None, validation: dict):
    l0 = raw.l0
    setup = "-".join(x for x in (l0.mode, l0.stations) if x)
    night_date = raw.night.date.isoformat() if raw.night_id else None
    key = product_key(calib_level=1, kind="oifits", instrument=raw.instrument, target_name=object_name or target.name,
                      night_date=night_date, setup=setup) + f"/{raw.sha256[:16]}"
    version, _ = product_version_create(
        calib_level=1, kind="oifits", program=program, target=target, night=raw.night,
        observation=raw.observation, instrument=raw.instrument, setup=setup, key=key,
        filename=f"{Path(raw.original_name).stem}_L1.fits", source_path=output, software=software,
        parameters={},
        provenance={"raw_files": [{"sha256": raw.sha256, "name": raw.original_name, "raw_file_id": raw.pk}],
                    "role": role, "object": object_name, "run": str(run.pk) if run else None,
                    "consolidation": {k: raw.consolidation_report.get(k) for k in ("derived", "inconsistent")}},
        t_min=l0.mjd_start, t_max=l0.mjd_end, validation_report=validation)
    return version
