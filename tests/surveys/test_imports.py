"""JSDC (CSV, VOTable), target CSV and Aspro2 OB imports, and their commands."""
from pathlib import Path

import pytest

from django.core.management import CommandError, call_command

from domain.errors import ValidationFailed
from surveys import imports
from surveys.models import Calibrator, Program, Target

DATA = Path(__file__).resolve().parent.parent / "data"
pytestmark = pytest.mark.django_db


def test_jsdc_csv_import_and_reimport():
    report = imports.import_jsdc(DATA / "jsdc" / "jsdc_sample.csv")
    assert len(report.created) == 4 and not report.updated
    cal = Calibrator.objects.get(name="HD 218470")
    assert cal.udd_r == 0.551 and cal.e_udd_r == 0.014 and cal.udd_k == 0.568 and cal.e_ldd == 0.015
    assert cal.ra_deg == pytest.approx(346.8335721, abs=1e-6) and cal.dec_deg == pytest.approx(49.2931767, abs=1e-6)
    hd11171 = Calibrator.objects.get(name="HD 11171")
    assert hd11171.udd_h is None and hd11171.mag_r is None
    again = imports.import_jsdc(DATA / "jsdc" / "jsdc_sample.csv")
    assert len(again.updated) == 4 and Calibrator.objects.count() == 4


def test_jsdc_votable_import():
    report = imports.import_jsdc(DATA / "jsdc" / "jsdc_sample.vot")
    assert sorted(report.created) == ["HD 166", "HD 218470", "HD 6961"]
    hd6961 = Calibrator.objects.get(name="HD 6961")
    assert hd6961.udd_r is None and hd6961.udd_h == 0.59 and hd6961.spectral_type == "A7V"


def test_bad_rows_are_all_reported_and_nothing_is_stored():
    with pytest.raises(ValidationFailed) as err:
        imports.import_jsdc(DATA / "jsdc" / "jsdc_bad.csv")
    assert set(err.value.errors) == {"row 3 (HD 1001)", "row 4 (HD 1002)"}
    assert "ra_deg" in err.value.errors["row 3 (HD 1001)"] and "mag_v" in err.value.errors["row 4 (HD 1002)"]
    assert not Calibrator.objects.exists()


def test_unknown_format_and_missing_columns(tmp_path):
    with pytest.raises(ValidationFailed):
        imports.import_jsdc(tmp_path / "cat.fits")
    bad = tmp_path / "cat.csv"
    bad.write_text("star,vmag\nHD 1,5\n")
    with pytest.raises(ValidationFailed) as err:
        imports.import_jsdc(bad)
    assert "columns" in err.value.errors


def test_target_csv_import_with_programs():
    Program.objects.create(code="issp", title="ISSP")
    report = imports.import_targets_csv(DATA / "targets" / "issp_targets.csv")
    assert sorted(report.created) == ["HD 219080", "HD 432", "HD 6582"]
    t = Target.objects.get(name="HD 6582")
    assert t.pm_ra == 3421.44 and t.parallax == 132.42 and t.priority == 3 and t.mag_j == 3.86
    assert t.identifiers == "HD 6582,mu Cas" and [p.code for p in t.programs.all()] == ["issp"]
    assert Target.objects.get(name="HD 219080").mag_j is None


def test_target_csv_with_unknown_program_stores_nothing():
    with pytest.raises(ValidationFailed):
        imports.import_targets_csv(DATA / "targets" / "issp_targets.csv")
    assert not Target.objects.exists()


def test_obxml_import_targets_and_calibrators():
    pytest.importorskip("domain.ob_format")
    Program.objects.create(code="issp", title="ISSP")
    xml = (DATA / "obxml" / "issp-spica-hd219080.obxml").read_text()
    report = imports.import_obxml(xml, program="issp")
    assert report.created == ["HD 219080"] and report.calibrators == ["HD 218470"]
    target = Target.objects.get(name="HD 219080")
    assert target.mag_v == 4.52 and target.pm_ra == 167.42 and target.spectral_type == "F1V"
    assert "HIP 114570" in target.identifiers and target.programs.get().code == "issp"
    cal = Calibrator.objects.get(name="HD 218470")
    assert cal.udd_r == 0.578 and cal.source == "Aspro2 OB"
    mystic = (DATA / "obxml" / "external-mystic-hd219080.obxml").read_text()
    imports.import_obxml(mystic)
    assert Target.objects.count() == 1


def test_obxml_import_keeps_jsdc_diameter_and_refuses_garbage():
    pytest.importorskip("domain.ob_format")
    imports.import_jsdc(DATA / "jsdc" / "jsdc_sample.csv")
    imports.import_obxml((DATA / "obxml" / "issp-spica-hd219080.obxml").read_text())
    assert Calibrator.objects.get(name="HD 218470").udd_r == 0.551
    with pytest.raises(ValidationFailed):
        imports.import_obxml("<not an ob/>")


def test_commands(capsys):
    call_command("import_jsdc", str(DATA / "jsdc" / "jsdc_sample.vot"))
    assert "3 created" in capsys.readouterr().out
    Program.objects.create(code="issp", title="ISSP")
    call_command("import_targets", str(DATA / "targets" / "issp_targets.csv"),
                 str(DATA / "obxml" / "issp-spica-hd219080.obxml"), "--program", "issp")
    out = capsys.readouterr().out
    assert "issp_targets.csv: 3 created" in out and "1 calibrators" in out
    with pytest.raises(CommandError, match="row 3"):
        call_command("import_jsdc", str(DATA / "jsdc" / "jsdc_bad.csv"))
