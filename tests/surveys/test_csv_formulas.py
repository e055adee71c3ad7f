"""CSV exports never write a cell a spreadsheet would run as a formula (finding 7)."""
from __future__ import annotations

import csv
import io

import pytest

from issp_portal import csvsafe
from pipelines.analysis.exports import to_csv
from tests.factories import ProgramFactory, SurveyGoalFactory, TargetFactory

pytestmark = pytest.mark.django_db
EVIL = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)"]


def test_dashboard_csv_defuses_formulas(client):
    issp = ProgramFactory(code="issp", kind="survey")
    for name in EVIL:
        SurveyGoalFactory(program=issp, target=TargetFactory(name=name))
    client.force_login(issp.pi)
    body = client.get("/dashboard/?format=csv").content.decode()
    names = [row["name"] for row in csv.DictReader(io.StringIO(body))]
    for name in EVIL:
        assert "'" + name in names and name not in names
    assert not [n for n in names if n.startswith(csvsafe.FORMULA_START)]


def test_diameters_csv_defuses_formulas_and_keeps_numbers():
    from astropy.table import Table

    table = Table({"target": EVIL, "ud": [-1.5, 0.5, 1.0, 2.0]})
    rows = list(csv.DictReader(io.StringIO(to_csv(table).decode())))
    assert [r["target"] for r in rows] == ["'" + n for n in EVIL]
    assert rows[0]["ud"] == "-1.5"
