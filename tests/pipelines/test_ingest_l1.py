"""Ingest -> consolidation -> L0 -> L1 in-process (the same services the worker runs)."""
from __future__ import annotations

import pytest
from astropy.io import fits

from archive.models import Product, ProductVersion
from pipelines import services
from pipelines.fitsfiles import sha256_of
from pipelines.models import L0Record, PipelineRun, RawFile, ReductionOutput
from tests.pipelines.helpers import make_survey_night, write_landing

pytestmark = pytest.mark.django_db


def _ingest_and_reduce(paths):
    run = services.ingest_run_execute(run=services.ingest_run_create(paths=paths, enqueue=False))
    for l1 in PipelineRun.objects.filter(kind="l1", phase="pending"):
        services.l1_run_execute(run=l1)
    return run


@pytest.mark.subprocess_reducer  # the one in-process chain test that starts the stand-in as a real program
def test_a_night_is_ingested_consolidated_extracted_and_reduced_once(tmp_path):
    setup = make_survey_night()
    files = write_landing(tmp_path / "landing", setup["visits"])
    before = sha256_of(files["missing_keywords"])
    run = _ingest_and_reduce([tmp_path / "landing"])

    assert run.phase == "completed" and run.total == run.done == 9
    assert (run.report["new"], run.report["known"], run.report["quarantined"]) == (6, 1, 2)
    bad = RawFile.objects.get(original_name="SPICA_truncated.fits")
    assert bad.status == "quarantined" and "truncated" in bad.quarantine_reason
    assert "empty" in RawFile.objects.get(original_name="SPICA_empty.fits").quarantine_reason

    # missing keywords: derived from the executing OB and from MJD-OBS, original untouched
    raw = RawFile.objects.get(original_name=files["missing_keywords"].name)
    assert sha256_of(files["missing_keywords"]) == before
    derived = {d["keyword"]: d for d in raw.consolidation_report["derived"]}
    assert derived["OBJECT"]["value"] == "HD 1000" and derived["OBJECT"]["from"].startswith("Observation")
    assert derived["DATE-OBS"]["from"] == "MJD-OBS" and derived["PRO SCIENCE"]["value"] is True
    assert derived["RA"]["value"] == 10.0
    assert raw.consolidation_report["missing"] == [] and raw.observation.target.name == "HD 1000"
    with fits.open(raw.consolidated_path) as hdul:
        h = hdul[0].header
        assert h["OBJECT"] == "HD 1000" and h["ORIG_SHA"] == raw.sha256
        assert sum("ISSP consolidation" in str(x) for x in h["HISTORY"]) == len(derived)
    far = RawFile.objects.get(original_name=files["far_coordinates"].name)
    inc = far.consolidation_report["inconsistent"]
    assert inc and inc[0]["keyword"] == "RA/DEC" and inc[0]["separation_arcsec"] > 10000

    l0 = L0Record.objects.get(raw_file=raw)
    assert (l0.target_name, l0.program_code, l0.mode, l0.obs_type) == ("HD 1000", "issp", "MR720", "SCIENCE")
    assert l0.stations == "S1-S2-E1-E2-W1-W2" and l0.tau0 is not None and l0.mjd_start > 60000

    outputs = ReductionOutput.objects.filter(product_version__isnull=False)
    assert outputs.count() == 6
    assert ProductVersion.objects.filter(product__calib_level=1).count() == 6
    version = ReductionOutput.objects.get(raw_file=raw).product_version
    assert version.provenance["raw_files"][0]["sha256"] == raw.sha256
    assert version.product.target.name == "HD 1000" and version.product.night == setup["night"]
    l1 = PipelineRun.objects.get(kind="l1")
    assert l1.phase == "completed" and l1.done == l1.total == 6

    # re-running changes nothing
    counts = (RawFile.objects.count(), L0Record.objects.count(), Product.objects.count(),
              ProductVersion.objects.count(), ReductionOutput.objects.count())
    again = _ingest_and_reduce([tmp_path / "landing"])
    assert again.report["new"] == 0 and again.report["known"] == 9 and again.report["l1_runs"] == []
    assert counts == (RawFile.objects.count(), L0Record.objects.count(), Product.objects.count(),
                      ProductVersion.objects.count(), ReductionOutput.objects.count())


def test_manage_py_ingest_does_the_same_work(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    setup = make_survey_night()
    write_landing(tmp_path / "in", setup["visits"])
    out = StringIO()
    call_command("ingest", str(tmp_path / "in"), "--no-reduce", stdout=out)
    assert "6 new, 1 already known, 2 quarantined" in out.getvalue()
    assert "SPICA_truncated.fits: quarantined: truncated" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("ingest", str(tmp_path / "nope"))


def test_new_l0_records_are_queued_for_oidb_when_l0_pushing_is_on(tmp_path, settings):
    from archive.models import OutboxMessage

    settings.ARCHIVE_PUSH_ENABLED = True
    settings.ARCHIVE_OIDB_URL = "http://127.0.0.1:9/oidb"  # nothing listens: delivery is the outbox's job
    settings.ARCHIVE_PUSH_L0 = True  # off by default: OiDB harvests the L0 feed (pipelines.l0_feed)
    setup = make_survey_night()
    write_landing(tmp_path / "landing", setup["visits"])
    services.ingest_run_execute(run=services.ingest_run_create(paths=[tmp_path / "landing"], reduce=False,
                                                               enqueue=False))
    n_l0 = L0Record.objects.count()
    assert n_l0 == 6
    messages = OutboxMessage.objects.all()
    assert sorted(messages.values_list("destination", flat=True)) == ["oidb"] * n_l0
    record = L0Record.objects.select_related("raw_file").first()
    oidb = messages.get(destination="oidb", dedup_key__contains=record.raw_file.original_name.removesuffix(".fits"))
    assert oidb.payload["calib_level"] == 0 and oidb.payload["instrument_name"] == "SPICA"
    assert oidb.payload["t_min"] == record.mjd_start and oidb.payload["target_name"] == record.target_name
    # ingesting the same files again queues nothing new
    services.ingest_run_execute(run=services.ingest_run_create(paths=[tmp_path / "landing"], reduce=False,
                                                               enqueue=False))
    assert OutboxMessage.objects.count() == n_l0


def test_no_outbox_rows_while_pushing_is_off(tmp_path, settings):
    from archive.models import OutboxMessage

    settings.ARCHIVE_PUSH_ENABLED = False
    setup = make_survey_night()
    write_landing(tmp_path / "landing", setup["visits"])
    services.ingest_run_execute(run=services.ingest_run_create(paths=[tmp_path / "landing"], reduce=False,
                                                               enqueue=False))
    assert L0Record.objects.exists() and not OutboxMessage.objects.exists()
