"""The checker's rule set against OIFITS2 / OITools, on real files of six instruments and on edited copies.

Known answers: tests/data/oifits/ holds real files (MIRC-X, PIONIER, GRAVITY, MATISSE, AMBER, IOTA)
and Aspro2 SPICA simulations; their verdicts and rules fired are fixed here and in the README table,
which `manage.py oifits_check --table` prints (a test compares the two).
"""
from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from django.core.management import call_command
from django.core.management.base import CommandError

from archive.oifits_checks import ERROR, INFO, WARNING, check_oifits
from archive.oifits_rules import RULES
from archive.oifits_write import synthetic_oifits2

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "oifits"

# file -> (verdict, rules fired as "severity:code"); every one checked by hand against the file's content.
KNOWN = {
    "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits": ("ok", []),
    "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-13.fits": ("ok", []),
    "Aspro2_zet_Oph_CHARA_SPICA_0.60249-0.80749-42ch_S1-S2-E1-E2-W1-W2_2023-05-19.fits": ("ok", []),
    "PIONI.2014-09-21T09_19_32.752_oidataCalibrated.fits": ("warning", [  # ARRAYX/Y/Z = 0, 0, 0
        "info:unit-alias", "warning:array-xyz"]),
    "MIRCX_L2.2023Oct14._bet_Ari.MIRCX_IDL.nn.AVG10m.fits": ("warning", [
        "info:unit-alias", "warning:content-keyword", "warning:missing-column", "warning:missing-unit",
        "warning:primary-keywords", "warning:target-id-range"]),
    "GRAVI.2020-01-27.fits": ("warning", [  # 36 unflagged NaN in OI_VIS VISAMP/VISAMPERR (GRAVITY_SC)
        "warning:missing-column", "warning:unflagged-nan"]),
    "SCI_HD100453_GRAVITY_MED_singlescivis_0000_singlesciviscalibrated_0000.fits": ("warning", [
        "info:column-alias", "warning:missing-column"]),  # OI_FLUX.FLUX (OI_REVN 1)
    "OiXP_bet_Cnc_MATISSE_A0-B5-J2-J6_2024-03-11.fits": ("warning", [  # T3AMPERR all NaN, unflagged
        "warning:primary-keywords", "warning:unflagged-nan"]),
    "2018-09-25T091604_V892Tau_U1U2U3U4_IR-LM_LOW_cal_oifits_0.fits": ("warning", [  # T3AMP = T3AMPERR = 0
        "info:unit-alias", "warning:primary-keywords", "warning:unmeasured-column"]),
    "ALPHACOL_2010-01-09T00_58.fits": ("warning", [  # AMBER: VISAMP = VISAMPERR = 0, no DATE-OBS in tables
        "info:unit-alias", "warning:missing-keyword", "warning:missing-unit", "warning:unmeasured-column"]),
    # IOTA (2004): ARRNAME points to no OI_ARRAY and 10 unflagged T3AMPERR = -1: genuine violations.
    "arcturus.1.52mu.fits": ("error", [
        "error:dangling-arrname", "error:nonpositive-error", "info:missing-oi-array", "info:unit-alias",
        "warning:target-id-range"]),
}
FOREIGN = ["MIRCX", "PIONI", "GRAVI", "SCI_HD100453", "OiXP_bet_Cnc", "2018-09-25T", "ALPHACOL"]


@pytest.mark.parametrize("name", sorted(KNOWN), ids=lambda n: n[:24])
def test_known_answers_on_real_files(name):
    report = check_oifits(DATA / name)
    assert (report.verdict, report.fired()) == KNOWN[name], [p.as_dict() for p in report.problems]


def test_every_real_foreign_instrument_file_passes_without_error():
    names = [n for n in KNOWN if n.startswith(tuple(FOREIGN))]
    assert len(names) == 7
    instruments = set()
    for name in names:
        report = check_oifits(DATA / name)
        assert report.ok, (name, [p.as_dict() for p in report.errors])
        instruments.add(report.summary["instrument"] or report.summary["insnames"][0].split("_")[0])
    assert {"GRAVITY", "MATISSE", "PIONIER"} <= instruments


def test_readme_known_answer_table_is_what_the_command_prints():
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 11 file"):  # the IOTA file has errors: exit status 1
        call_command("oifits_check", *sorted(str(DATA / n) for n in KNOWN), "--table", stdout=out)
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- oifits-known-answers -->\n(.*?)\n<!-- /oifits-known-answers -->", readme, re.S)
    assert block, "README lacks the known-answer table"
    assert block.group(1).strip() == out.getvalue().strip()


def test_every_rule_names_its_section_and_oitools_counterpart():
    assert len(RULES) >= 40
    for r in RULES.values():
        assert r.section and r.oitools and r.description, r
        assert r.severity in (ERROR, WARNING, INFO) and set(r.also) <= {ERROR, WARNING, INFO}
    assert RULES["nonpositive-error"].severity == ERROR and RULES["unflagged-nan"].severity == WARNING
    assert RULES["mjd-range"].severity == WARNING and RULES["bad-mjd"].severity == WARNING


def _write(tmp_path: Path, hdul: fits.HDUList, name: str) -> Path:
    hdul.writeto(tmp_path / name, overwrite=True)
    return tmp_path / name


@pytest.mark.parametrize("bad", [-0.01, 0.0])
def test_negative_or_zero_error_bar_is_an_error(tmp_path, bad):
    hdul = synthetic_oifits2()
    hdul["OI_VIS2"].data["VIS2ERR"][1, 2] = bad
    report = check_oifits(_write(tmp_path, hdul, "err.fits"))
    assert not report.ok
    problem = next(p for p in report.errors if p.code == "nonpositive-error")
    assert problem.column == "VIS2ERR" and problem.hdu.startswith("OI_VIS2") and "1 unflagged values <= 0" in \
        problem.message
    hdul["OI_VIS2"].data["FLAG"][1, 2] = True  # flagged: nothing to say
    assert check_oifits(_write(tmp_path, hdul, "flagged.fits")).problems == []


def test_zero_placeholder_observable_is_a_warning_not_an_error(tmp_path):
    hdul = synthetic_oifits2()
    hdul["OI_T3"].data["T3AMP"][:] = 0.0
    hdul["OI_T3"].data["T3AMPERR"][:] = 0.0
    report = check_oifits(_write(tmp_path, hdul, "t3amp0.fits"))
    assert report.ok and report.codes() == {"unmeasured-column"}
    hdul["OI_T3"].data["T3AMP"][0, 0] = 0.4  # one real value: the zero errors are now error bars
    assert "nonpositive-error" in check_oifits(_write(tmp_path, hdul, "t3amp1.fits")).codes(ERROR)


def test_mjd_out_of_oitools_range_is_a_warning(tmp_path):
    hdul = synthetic_oifits2(mjd=60400.3)
    hdul["OI_VIS2"].data["MJD"][:] = 20000.0  # 1913: before OITools' 1933
    hdul["OI_T3"].header["DATE-OBS"] = "1900-01-01"
    report = check_oifits(_write(tmp_path, hdul, "old.fits"))
    assert report.ok
    assert any(p.code == "mjd-range" and p.hdu.startswith("OI_VIS2") for p in report.warnings)
    assert any(p.code == "bad-date-obs" and p.hdu.startswith("OI_T3") and "outside 1933-2150" in p.message
               for p in report.warnings)


def test_oifits2_without_oi_array_is_an_error_v1_only_info(tmp_path):
    hdul = synthetic_oifits2()
    del hdul["OI_ARRAY"]
    for name in ("OI_VIS2", "OI_T3"):
        del hdul[name].header["ARRNAME"]
    report = check_oifits(_write(tmp_path, hdul, "noarray.fits"))
    assert {p.severity for p in report.problems if p.code == "missing-oi-array"} == {ERROR}
    v1 = check_oifits(DATA / "arcturus.1.52mu.fits")
    assert {p.severity for p in v1.problems if p.code == "missing-oi-array"} == {INFO}


def test_oitools_structure_rules(tmp_path):
    hdul = synthetic_oifits2()
    hdul["OI_ARRAY"].data["STA_INDEX"][0] = 0
    hdul["OI_ARRAY"].data["STA_NAME"][2] = hdul["OI_ARRAY"].data["STA_NAME"][1]
    hdul["OI_VIS2"].data["STA_INDEX"][3] = (2, 2)
    hdul.append(hdul["OI_TARGET"].copy())
    report = check_oifits(_write(tmp_path, hdul, "struct.fits"))
    assert {"sta-index-min", "sta-name", "row-duplicate-station", "multiple-oi-target"} <= report.codes(ERROR)
    assert next(p for p in report.errors if p.code == "row-duplicate-station").message == \
        "1 rows name the same station twice"


def test_eff_wave_beyond_20_microns_is_an_error(tmp_path):
    hdul = synthetic_oifits2()
    hdul["OI_WAVELENGTH"].data["EFF_WAVE"][0] = 25e-6
    report = check_oifits(_write(tmp_path, hdul, "wave.fits"))
    assert [p.code for p in report.errors] == ["wavelength-range"]


def test_command_json_and_text(tmp_path):
    out = StringIO()
    call_command("oifits_check", str(DATA / "GRAVI.2020-01-27.fits"), "--json", stdout=out)
    doc = json.loads(out.getvalue())
    (one,) = doc["files"]
    assert one["verdict"] == "warning" and one["ok"] is True and one["summary"]["instrument"] == "GRAVITY"
    nan = [p for p in one["problems"] if p["code"] == "unflagged-nan"]
    assert {p["column"] for p in nan} == {"VISAMP", "VISAMPERR"} and nan[0]["section"] == "V1-V2.Tables"
    text = StringIO()
    with pytest.raises(CommandError, match="1 of 1 file"):
        call_command("oifits_check", str(DATA / "arcturus.1.52mu.fits"), stdout=text)
    assert "nonpositive-error" in text.getvalue() and text.getvalue().startswith("ERROR")
    bad = tmp_path / "x.fits"
    bad.write_bytes(b"nothing")
    with pytest.raises(CommandError):
        call_command("oifits_check", str(bad), "--json", stdout=StringIO())
    folder = StringIO()  # a folder stands for its files
    with pytest.raises(CommandError, match="1 of 1 file"):
        call_command("oifits_check", str(tmp_path), "--json", stdout=folder)
    assert json.loads(folder.getvalue())["files"][0]["problems"][0]["code"] in {"not-fits", "truncated"}


def test_report_rejects_unknown_rule_or_severity():
    from archive.oifits_rules import Report

    report = Report(path="x")
    with pytest.raises(KeyError):
        report.add("no-such-rule", "message")
    with pytest.raises(ValueError):
        report.add("nonpositive-error", "message", severity=INFO)


@pytest.mark.django_db
def test_version_page_shows_rule_and_section(client, demo):
    from astropy.time import Time

    from django.urls import reverse

    from archive.oifits_write import to_bytes
    from archive.services import product_version_create
    from surveys.models import Night, Program

    program = Program.objects.get(code="issp")
    target = program.targets.order_by("name").first()
    mjd = round(Time.now().mjd - 10, 3)
    hdul = synthetic_oifits2(target=target.name.replace(" ", "_"), mjd=mjd, n_wave=6)
    hdul["OI_VIS2"].data["VIS2DATA"][0, 1] = float("nan")
    version, _ = product_version_create(
        calib_level=2, kind="oifits", program=program, target=target, night=Night.objects.order_by("date").first(),
        instrument="SPICA", setup="MR720", filename="nan.fits", content=to_bytes(hdul), t_min=mjd, t_max=mjd + 0.01,
        software="test", check=True)
    assert version.validation_report["ok"] is True and version.validation_report["verdict"] == "warning"
    client.force_login(demo["datamanager"])
    page = client.get(reverse("archive:version-detail", args=[version.pk])).content.decode()
    assert "unflagged-nan" in page and "(V1-V2.Tables)" in page and "VIS2DATA: 1 NaN/inf values" in page


def _with_corr(hdul: fits.HDUList, *, ndata: int, iindx, jindx, corrindx) -> fits.HDUList:
    corr = fits.BinTableHDU.from_columns([
        fits.Column("IINDX", "1J", array=iindx), fits.Column("JINDX", "1J", array=jindx),
        fits.Column("CORR", "1D", array=np.full(len(iindx), 0.3))], name="OI_CORR")
    corr.header.update({"OI_REVN": 1, "CORRNAME": "SPLIT", "NDATA": ndata})
    vis2 = hdul["OI_VIS2"]
    cols = vis2.columns + fits.ColDefs([fits.Column("CORRINDX_VIS2DATA", "1J", array=corrindx)])
    hdul["OI_VIS2"] = fits.BinTableHDU.from_columns(cols, header=vis2.header, name="OI_VIS2")
    hdul["OI_VIS2"].header["CORRNAME"] = "SPLIT"
    hdul.append(corr)
    return hdul


def test_oi_corr_references_and_indices(tmp_path):
    hdul = synthetic_oifits2(n_wave=4)
    nrows = len(hdul["OI_VIS2"].data)
    ndata = nrows * 4
    good = _with_corr(hdul, ndata=ndata, iindx=[1, 2], jindx=[5, 9], corrindx=np.arange(nrows) * 4 + 1)
    assert check_oifits(_write(tmp_path, good, "corr.fits")).problems == []
    bad = _with_corr(synthetic_oifits2(n_wave=4), ndata=ndata, iindx=[3, 0], jindx=[2, 5],
                     corrindx=np.arange(nrows) * 4 + 5)
    report = check_oifits(_write(tmp_path, bad, "badcorr.fits"))
    assert report.codes(ERROR) == {"corr-index", "corrindx-range"}
    assert next(p for p in report.errors if p.code == "corr-index").message.startswith("2 rows break")
    orphan = synthetic_oifits2(n_wave=4)
    orphan["OI_VIS2"].header["CORRNAME"] = "NOSUCH"
    report = check_oifits(_write(tmp_path, orphan, "orphan.fits"))
    assert [(p.code, p.section) for p in report.errors] == [("dangling-corrname", "V2.6.1§3")]


def test_readme_rule_table_is_what_the_command_prints():
    out = StringIO()
    call_command("oifits_check", "--rules", stdout=out)
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- oifits-rules -->\n(.*?)\n<!-- /oifits-rules -->", readme, re.S)
    assert block and block.group(1).strip() == out.getvalue().strip()
    assert all(f"| {code} |" in block.group(1) for code in RULES)
