"""Bad FITS files through ingest (service and `manage.py ingest`) and through the OIFITS checker.

Each bad file is quarantined with its reason or consolidated with the problem in its report;
the run goes on to the next file; nothing is half-stored (no archive file, no RawFile without
its L0 record, no temporary file left behind); the checker never raises.
"""
from __future__ import annotations

import io
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from django.conf import settings
from django.core.management import call_command

from archive.models import Product, ProductVersion
from archive.oifits_checks import check_oifits
from demo.synthetic import raw as synthetic
from pipelines import services
from pipelines.models import RawFile
from tests.hardening.badcorpus import FITS_CASES, FitsCase, _spec, write_big_fits, write_fits_case

DATA = Path(__file__).resolve().parent.parent / "data"
REAL_OIFITS = DATA / "oifits" / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits"


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file()} if Path(root).exists() else set()


def _landing() -> Path:
    path = Path(settings.RAW_ROOT) / f"bad-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path


def _no_half_stored(archive_before: set[str]) -> None:
    assert _files(settings.ARCHIVE_ROOT) == archive_before, "archive folder changed by a bad-input ingest"
    assert not RawFile.objects.filter(status=RawFile.Status.CONSOLIDATED, l0__isnull=True).exists()
    leftovers = [p for p in Path(settings.RAW_ROOT).rglob("*") if p.name.startswith(".incoming-")]
    assert leftovers == []


@pytest.mark.django_db
@pytest.mark.parametrize("case", FITS_CASES, ids=[c.name for c in FITS_CASES])
def test_bad_fits_ingest_reports_and_goes_on(case: FitsCase):
    landing = _landing()
    bad = write_fits_case(landing, case.name)
    good = synthetic.write_raw(landing / "zz_good.fits", _spec(seed=1000 + FITS_CASES.index(case)))
    archive_before = _files(settings.ARCHIVE_ROOT)
    products_before = (Product.objects.count(), ProductVersion.objects.count())

    run = services.ingest_run_execute(run=services.ingest_run_create(paths=[str(landing)], reduce=False,
                                                                     enqueue=False))
    assert run.phase == "completed", run.error_summary
    assert run.report["files"][str(good)] == "new", "the run must go on after a bad file"
    outcome = run.report["files"][str(bad)]
    raw = RawFile.objects.get(original_name=bad.name)
    assert raw.status == case.outcome, (outcome, raw.quarantine_reason)
    if case.outcome == "quarantined":
        text = raw.quarantine_reason.lower()
        assert outcome.startswith("quarantined: ") and not hasattr(raw, "l0")
    else:
        text = str(raw.consolidation_report).lower()
        assert outcome == "new" and raw.l0 is not None
        assert Path(raw.consolidated_path).is_file()
        with fits.open(raw.consolidated_path) as hdul:  # the consolidated copy is a valid FITS file
            hdul.verify("exception")
    assert all(word in text for word in case.expect), f"{case.why}: {text[:400]}"
    _no_half_stored(archive_before)
    assert (Product.objects.count(), ProductVersion.objects.count()) == products_before


@pytest.mark.django_db
def test_manage_py_ingest_survives_the_whole_bad_corpus():
    landing = _landing()
    for case in FITS_CASES:
        write_fits_case(landing, case.name)
    synthetic.write_raw(landing / "zz_good.fits", _spec(seed=2000))
    archive_before = _files(settings.ARCHIVE_ROOT)
    out = io.StringIO()
    call_command("ingest", str(landing), "--no-reduce", stdout=out)
    text = out.getvalue()
    quarantined = [c for c in FITS_CASES if c.outcome == "quarantined"]
    consolidated = len(FITS_CASES) - len(quarantined) + 1
    assert f"{consolidated} new, 0 already known, {len(quarantined)} quarantined, 0 errors" in text
    for case in quarantined:
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(case.name))
        assert any(word in line.lower() for word in case.expect), line
    _no_half_stored(archive_before)

    again = io.StringIO()  # a second pass registers nothing new and still survives
    call_command("ingest", str(landing), "--no-reduce", stdout=again)
    assert f"0 new, {len(FITS_CASES) + 1} already known" in again.getvalue()


@pytest.mark.django_db
def test_manage_py_ingest_missing_path_is_a_clear_command_error():
    from django.core.management.base import CommandError

    before = RawFile.objects.count()
    with pytest.raises(CommandError, match="no such file or folder: /nonexistent/night"):
        call_command("ingest", "/nonexistent/night", "--no-reduce")
    assert RawFile.objects.count() == before


# --- the OIFITS checker -----------------------------------------------------------------------------
def _oifits_variants(folder: Path) -> dict[str, tuple[Path, str]]:
    """Bad OIFITS files derived from a real Aspro2 file: name -> (path, expected error code)."""
    out = {}
    with fits.open(REAL_OIFITS) as src:
        hdul = fits.HDUList([h.copy() for h in src])
    nan = fits.HDUList([h.copy() for h in hdul])
    for hdu in nan[1:]:
        for col in hdu.columns:
            if col.format[-1] in "DE" and col.name not in ("MJD", "TIME", "INT_TIME"):
                hdu.data[col.name] = np.nan
    nan.writeto(folder / "oi_nan_everywhere.fits")
    out["nan everywhere"] = (folder / "oi_nan_everywhere.fits", "wavelength-range")  # EFF_WAVE NaN
    zero = fits.HDUList([h.copy() for h in hdul])
    zero["OI_VIS2"] = fits.BinTableHDU.from_columns(zero["OI_VIS2"].columns, nrows=0, header=zero["OI_VIS2"].header)
    missing = fits.HDUList([h for h in hdul if h.name != "OI_WAVELENGTH"])
    missing.writeto(folder / "oi_no_wavelength.fits")
    out["no OI_WAVELENGTH"] = (folder / "oi_no_wavelength.fits", "missing-table")
    cut = folder / "oi_truncated.fits"
    shutil.copy(REAL_OIFITS, cut)
    synthetic.truncate(cut, 0.7)
    out["truncated"] = (cut, "truncated")
    text = folder / "oi_text.fits"
    text.write_text("not a FITS file\n")
    out["text"] = (text, "not-fits")
    empty = folder / "oi_empty.fits"
    empty.write_bytes(b"")
    out["empty"] = (empty, "")
    return out


def test_oifits_checker_reports_every_bad_file_and_never_raises(tmp_path):
    for label, (path, code) in _oifits_variants(tmp_path).items():
        report = check_oifits(path)
        assert not report.ok, label
        assert report.errors and all(p.message for p in report.errors), label
        if code:
            assert code in {p.code for p in report.errors}, (label, [p.as_dict() for p in report.errors])
    for case in FITS_CASES:  # raw files are not OIFITS: errors, not exceptions
        report = check_oifits(write_fits_case(tmp_path / "raw", case.name))
        assert not report.ok and report.errors, case.name


def test_oifits_checker_flags_a_zero_row_data_table(tmp_path):
    with fits.open(REAL_OIFITS) as src:
        hdul = fits.HDUList([h.copy() for h in src])
    hdul["OI_VIS2"].data = hdul["OI_VIS2"].data[:0]
    hdul.writeto(tmp_path / "oi_zero_rows.fits")
    with fits.open(tmp_path / "oi_zero_rows.fits") as written:
        assert len(written["OI_VIS2"].data) == 0
    report = check_oifits(tmp_path / "oi_zero_rows.fits")
    assert any(p.hdu and p.hdu.startswith("OI_VIS2") and p.severity in ("error", "warning")
               for p in report.problems), [p.as_dict() for p in report.problems]


@pytest.mark.slow
@pytest.mark.django_db
def test_100_mb_raw_file_is_ingested_and_checked_without_falling_over(tmp_path):
    landing = _landing()
    big = write_big_fits(landing / "SPICA_big.fits", megabytes=100)
    assert big.stat().st_size >= 100 * 1024 * 1024
    run = services.ingest_run_execute(run=services.ingest_run_create(paths=[str(landing)], reduce=False,
                                                                     enqueue=False))
    assert run.report["files"][str(big)] == "new", run.report
    raw = RawFile.objects.get(original_name=big.name)
    assert raw.size == big.stat().st_size and raw.l0.target_name == "HD 1000 BIG"
    report = check_oifits(big)  # a raw file is not OIFITS: a report, not a crash or a memory blow-up
    assert not report.ok and "no-oi-tables" in report.codes("error")
    cut = synthetic.truncate(shutil.copy(big, tmp_path / "SPICA_big_cut.fits"), 0.5)
    run = services.ingest_run_execute(run=services.ingest_run_create(paths=[str(cut)], reduce=False, enqueue=False))
    assert RawFile.objects.get(original_name=cut.name).quarantine_reason.startswith("truncated")
