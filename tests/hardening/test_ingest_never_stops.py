"""An ingest run never stops on one file, and the files it registered always get their L1 run.

Each bad file (dates outside what CHARA can have observed, or any fault nobody foresaw) is
quarantined with its reason; the files after it are ingested; the run ends `completed` with
the quarantine count; the good files of the night are L1-reduced.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from django.conf import settings
from django.db import OperationalError

from pipelines import consolidation, ingest, services
from pipelines.models import PipelineRun, RawFile
from tests.hardening.badcorpus import write_fits_case
from tests.pipelines.helpers import make_survey_night, write_landing

pytestmark = pytest.mark.django_db
DATE_CASES = ["date_year_9999.fits", "mjd_1e20.fits", "mjd_negative.fits"]


def _night_landing() -> tuple[dict, Path]:
    setup = make_survey_night()
    landing = Path(settings.RAW_ROOT) / f"night-{uuid.uuid4().hex[:8]}"
    write_landing(landing, setup["visits"])
    return setup, landing


def _internal_copies(sha: str) -> list[Path]:
    return [p for p in ingest.internal_root().rglob(f"{sha}*") if "quarantine" not in p.parts]


def test_impossible_dates_in_the_middle_of_a_night_are_quarantined_and_the_night_is_reduced():
    setup, landing = _night_landing()
    for name in DATE_CASES:  # "SPICA_" sorts between the good files: the bad ones are met mid-run
        write_fits_case(landing, name).rename(landing / f"SPICA_{name}")

    run = services.ingest_run_execute(run=services.ingest_run_create(paths=[str(landing)], enqueue=False))

    assert run.phase == "completed" and run.done == run.total == 12, run.error_summary
    assert (run.report["new"], run.report["known"], run.report["quarantined"], run.report["errors"]) == (6, 1, 5, 0)
    for name in DATE_CASES:
        raw = RawFile.objects.get(original_name=f"SPICA_{name}")
        assert raw.status == "quarantined"
        assert raw.quarantine_reason.startswith("implausible observation date"), raw.quarantine_reason
        assert run.report["files"][str(landing / f"SPICA_{name}")] == f"quarantined: {raw.quarantine_reason}"
        assert _internal_copies(raw.sha256) == []
    assert "9999-12-31T23:59:59" in RawFile.objects.get(original_name="SPICA_date_year_9999.fits").quarantine_reason
    (l1,) = PipelineRun.objects.filter(kind="l1", night=setup["night"])
    assert run.report["l1_runs"] == [str(l1.pk)]
    l1 = services.l1_run_execute(run=l1)
    assert l1.phase == "completed" and l1.report["registered"] == 6


def test_a_fault_nobody_foresaw_quarantines_that_file_only(monkeypatch):
    setup, landing = _night_landing()
    real = consolidation.consolidate

    def flaky(header, spec, ctx):
        if header.get("OBJECT") == "HD 1001":
            raise RuntimeError("simulated bug in a consolidation rule")
        return real(header, spec, ctx)

    monkeypatch.setattr(consolidation, "consolidate", flaky)
    run = services.ingest_run_execute(run=services.ingest_run_create(paths=[str(landing)], reduce=False,
                                                                     enqueue=False))
    assert run.phase == "completed"
    broken = RawFile.objects.filter(quarantine_reason__contains="simulated bug")
    assert broken.count() >= 1 and run.report["new"] == 6 - broken.count()
    for raw in broken:
        assert raw.quarantine_reason == "cannot ingest: RuntimeError: simulated bug in a consolidation rule"
        assert _internal_copies(raw.sha256) == [] and not hasattr(raw, "l0")
    assert run.report["quarantined"] == 2 + broken.count()


def test_files_registered_before_the_run_died_still_get_their_l1_run(monkeypatch):
    setup, landing = _night_landing()
    real, seen = ingest.raw_file_ingest, []

    def dies_on_the_fourth(path, *, run=None):
        seen.append(path)
        if len(seen) == 4:
            raise OperationalError("server closed the connection unexpectedly")
        return real(path, run=run)

    monkeypatch.setattr(services, "raw_file_ingest", dies_on_the_fourth)
    run = services.ingest_run_create(paths=[str(landing)], enqueue=False)
    with pytest.raises(OperationalError):
        services.ingest_run_execute(run=run)
    registered = RawFile.objects.filter(ingest_run=run, status="consolidated").count()
    assert registered >= 1
    (l1,) = PipelineRun.objects.filter(kind="l1", night=setup["night"], parameters__ingest_run=str(run.pk))
    assert services.l1_run_execute(run=l1).report["registered"] == registered
