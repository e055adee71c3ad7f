"""The OIFITS checker on real files (tests/data/oifits) and on a corpus of broken ones written here."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from archive.oifits_checks import ERROR, INFO, WARNING, check_oifits
from archive.oifits_write import synthetic_oifits2

DATA = Path(__file__).resolve().parent.parent / "data" / "oifits"
MIRCX = DATA / "MIRCX_L2.2023Oct14._bet_Ari.MIRCX_IDL.nn.AVG10m.fits"
ASPRO = DATA / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits"
PIONIER = DATA / "PIONI.2014-09-21T09_19_32.752_oidataCalibrated.fits"


def severity_of(report, code: str) -> set[str]:
    return {p.severity for p in report.problems if p.code == code}


@pytest.mark.parametrize("path", sorted(DATA.glob("Aspro2_*.fits")), ids=lambda p: p.name[:30])
def test_aspro2_spica_files_are_clean_v1(path):
    report = check_oifits(path)
    assert report.ok and report.version == 1
    assert report.problems == []
    assert report.summary["arrnames"] == ["CHARA"] and report.summary["nb_vis2"] == 15
    assert report.summary["nb_channels"] in (42, 60)
    assert 6.0e-7 < report.summary["wave_min"] < 6.1e-7


def test_mircx_sparse_header_gives_warnings_not_errors():
    report = check_oifits(MIRCX)
    assert report.ok, report.errors
    assert report.version == 2  # its tables declare OI_REVN = 2
    assert severity_of(report, "primary-keywords") == {WARNING}
    assert severity_of(report, "missing-unit") == {WARNING}  # VISPHI without unit
    assert severity_of(report, "target-id-range") == {WARNING}  # TARGET_ID 0
    assert {(p.hdu, p.column) for p in report.problems if p.code == "missing-column"} == {
        ("OI_ARRAY#1", "FOV"), ("OI_ARRAY#1", "FOVTYPE")}
    assert report.summary["targets"] == ["bet Ari"] and report.summary["nb_vis"] == 270


def test_pionier_eso_units_are_aliases_only():
    report = check_oifits(PIONIER)
    assert report.ok and report.version == 1
    assert report.codes() == {"unit-alias", "array-xyz"} and report.codes(INFO) == {"unit-alias"}
    assert report.codes(WARNING) == {"array-xyz"}  # ARRAYX/Y/Z written as 0, 0, 0 (OITools warns too)
    assert report.summary["instrument"] == "PIONIER" and report.summary["arrnames"] == ["VLTI"]


def test_written_v2_file_is_clean(tmp_path):
    path = tmp_path / "v2.fits"
    synthetic_oifits2(n_wave=5).writeto(path)
    report = check_oifits(path)
    assert report.ok and report.version == 2 and report.problems == []
    as_dict = json.loads(json.dumps(report.as_dict()))
    assert as_dict["ok"] is True and as_dict["counts"] == {"error": 0, "warning": 0, "info": 0}


# ---- broken corpus -------------------------------------------------------------
def _write(tmp_path: Path, hdul: fits.HDUList, name: str) -> Path:
    path = tmp_path / name
    hdul.writeto(path, overwrite=True)
    return path


def test_missing_wavelength_table_is_an_error(tmp_path):
    hdul = synthetic_oifits2()
    del hdul["OI_WAVELENGTH"]
    report = check_oifits(_write(tmp_path, hdul, "nowave.fits"))
    assert not report.ok
    assert severity_of(report, "missing-table") == {ERROR}
    assert severity_of(report, "dangling-insname") == {ERROR}  # the data tables now point nowhere


def test_missing_data_tables_is_an_error(tmp_path):
    hdul = synthetic_oifits2()
    del hdul["OI_VIS2"]
    del hdul["OI_T3"]
    report = check_oifits(_write(tmp_path, hdul, "nodata.fits"))
    assert [p.message for p in report.errors] == ["no data table (OI_VIS, OI_VIS2, OI_T3 or OI_FLUX)"]


def test_wrong_shape_against_wavelengths(tmp_path):
    hdul = synthetic_oifits2(n_wave=8)
    wl = hdul["OI_WAVELENGTH"]
    hdul["OI_WAVELENGTH"] = fits.BinTableHDU(wl.data[:6], header=wl.header, name="OI_WAVELENGTH")
    report = check_oifits(_write(tmp_path, hdul, "shape.fits"))
    shaped = {(p.hdu.split("#")[0], p.column) for p in report.errors if p.code == "wrong-shape"}
    assert ("OI_VIS2", "VIS2DATA") in shaped and ("OI_T3", "T3PHI") in shaped and ("OI_VIS2", "FLAG") in shaped
    assert "8 channels but OI_WAVELENGTH 'SPICA_MR' has 6" in report.errors[0].message


def test_dangling_insname_arrname_target_and_station(tmp_path):
    hdul = synthetic_oifits2()
    hdul["OI_VIS2"].header["INSNAME"] = "NOSUCH"
    hdul["OI_T3"].header["ARRNAME"] = "VLTI"
    hdul["OI_VIS2"].data["TARGET_ID"][0] = 7
    hdul["OI_VIS2"].data["STA_INDEX"][1] = (1, 9)
    report = check_oifits(_write(tmp_path, hdul, "dangling.fits"))
    assert {"dangling-insname", "dangling-arrname", "dangling-target-id", "dangling-sta-index"} <= report.codes(ERROR)
    message = next(p.message for p in report.errors if p.code == "dangling-target-id")
    assert message == "TARGET_ID [7] not in OI_TARGET"


def test_truncated_file_is_an_error_not_an_exception(tmp_path):
    good = _write(tmp_path, synthetic_oifits2(n_wave=30), "good.fits")
    cut = tmp_path / "cut.fits"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size - 9000])
    report = check_oifits(cut)
    assert not report.ok and report.codes(ERROR) == {"truncated"}


@pytest.mark.parametrize("content", [b"", b"hello world\n" * 10, b"SIMPLE  = T" + b" " * 100])
def test_not_fits_is_an_error(tmp_path, content):
    path = tmp_path / "bad.fits"
    path.write_bytes(content)
    report = check_oifits(path)
    assert not report.ok and len(report.errors) == 1
    assert report.errors[0].code in {"not-fits", "truncated", "no-oi-tables"}


def test_missing_file_and_plain_image(tmp_path):
    assert check_oifits(tmp_path / "none.fits").codes() == {"not-found"}
    image = tmp_path / "image.fits"
    fits.PrimaryHDU(np.zeros((4, 4))).writeto(image)
    assert check_oifits(image).codes(ERROR) == {"no-oi-tables"}


def test_unflagged_nan_is_a_warning_naming_the_column_flagged_nan_is_fine(tmp_path):
    hdul = synthetic_oifits2()
    hdul["OI_VIS2"].data["VIS2DATA"][0, 0] = np.nan
    hdul["OI_VIS2"].data["FLAG"][0, 0] = True
    assert check_oifits(_write(tmp_path, hdul, "flagged.fits")).problems == []
    hdul["OI_VIS2"].data["VIS2DATA"][2, 3] = np.nan
    report = check_oifits(_write(tmp_path, hdul, "nan.fits"))
    assert report.ok and report.verdict == WARNING
    problem = next(p for p in report.warnings if p.code == "unflagged-nan")
    assert problem.column == "VIS2DATA" and problem.message.startswith("VIS2DATA: 1 NaN/inf values with FLAG false")


def test_time_sanity_and_duplicates(tmp_path):
    hdul = synthetic_oifits2(mjd=60400.3)
    hdul["OI_T3"].data["MJD"][:] = 99999.0
    hdul["OI_VIS2"].data["STA_INDEX"][1] = hdul["OI_VIS2"].data["STA_INDEX"][0]
    hdul["OI_VIS2"].data["INT_TIME"][0] = -1
    report = check_oifits(_write(tmp_path, hdul, "time.fits"))
    assert report.ok  # all of these are warnings
    assert {"mjd-range", "date-obs-mismatch", "duplicate-rows", "negative-int-time"} <= report.codes(WARNING)
    hdul["OI_T3"].data["MJD"][0] = np.nan
    hdul["OI_VIS2"].data["MJD"][0] = 0.0
    report = check_oifits(_write(tmp_path, hdul, "nanmjd.fits"))
    assert report.ok and {p.hdu.split("#")[0] for p in report.warnings if p.code == "bad-mjd"} == {"OI_T3", "OI_VIS2"}


def test_units_scale_error_and_missing_column(tmp_path):
    hdul = synthetic_oifits2()
    hdul["OI_WAVELENGTH"].columns["EFF_WAVE"].unit = "um"
    hdul["OI_VIS2"].columns.del_col("VIS2ERR")
    hdul["OI_VIS2"] = fits.BinTableHDU.from_columns(hdul["OI_VIS2"].columns, header=hdul["OI_VIS2"].header)
    report = check_oifits(_write(tmp_path, hdul, "units.fits"))
    wrong = next(p for p in report.errors if p.code == "wrong-unit")
    assert wrong.column == "EFF_WAVE" and "factor 1e-06" in wrong.message
    assert any(p.code == "missing-column" and p.column == "VIS2ERR" for p in report.errors)


def test_duplicate_reference_rows_are_errors(tmp_path):
    hdul = synthetic_oifits2()
    tgt = hdul["OI_TARGET"]
    hdul["OI_TARGET"] = fits.BinTableHDU.from_columns(tgt.columns, nrows=2, header=tgt.header)
    hdul["OI_TARGET"].data[1] = hdul["OI_TARGET"].data[0]
    report = check_oifits(_write(tmp_path, hdul, "duptarget.fits"))
    assert severity_of(report, "duplicate-target-id") == {ERROR}
