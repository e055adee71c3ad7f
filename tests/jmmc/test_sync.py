"""The catalog -> portal sync against the TAP and catalogs API stand-ins."""
from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.jmmc.models import CatalogRow, SyncRun
from surveys.jmmc.services import catalog_sync
from surveys.jmmc.sync import Known, diff_rows, normalize_delegations, page_query
from surveys.models import Night, Observation, SurveyGoal, Target

ROW = {"id": 7, "name": "HD 1", "ra": 1.0, "dec": 2.0, "vmag": None, "sptype": "A0V", "priority_pi": 2,
       "pi": "P", "instrument": "SPICA", "mode": "LR", "nb_obs": 1}


class TestDiff:
    def test_every_kind_of_change(self):
        known = {
            "7": Known("7", {**ROW, "id": "7"}, "HD 1"),
            "8": Known("8", {**ROW, "id": "8", "name": "HD 8"}, "HD 8"),
            "9": Known("9", {**ROW, "id": "9", "name": "HD 9"}, "HD 9"),
            "10": Known("10", {**ROW, "id": "10", "name": "HD 10"}, "HD 10", removed=True),
            "11": Known("11", {**ROW, "id": "11", "name": "HD 11"}, "HD 11", removed=True),
        }
        remote = [
            ROW,  # unchanged (numpy-free plain values)
            {**ROW, "id": 8, "name": "HD 8", "priority_pi": 1},  # updated
            {**ROW, "id": 9, "name": "HD 9 A"},  # renamed
            {**ROW, "id": 10, "name": "HD 10"},  # restored
            {**ROW, "id": 12, "name": "HD 12"},  # created
            {**ROW, "id": 13, "name": "", "ra": 1.0},  # unusable
        ]
        plan = diff_rows(remote, known)
        assert plan.counts() == {"created": 1, "updated": 1, "renamed": 1, "removed": 0, "restored": 1,
                                 "unchanged": 1, "errors": 1}
        assert plan.of("updated")[0].fields == {"priority_pi": (2, 1)}
        assert plan.of("renamed")[0].fields == {"name": ("HD 9", "HD 9 A")}
        assert "row 13 has no name" in plan.errors[0]
        removed = diff_rows([ROW], {"7": known["7"], "8": known["8"]}).of("removed")
        assert [(c.row_id, c.name) for c in removed] == [("8", "HD 8")]

    def test_paged_query_and_delegation_shapes(self):
        assert page_query(table="spica", after_id=None, page_size=500) == (
            "SELECT TOP 500 id, name, ra, dec, vmag, sptype, priority_pi, pi, instrument, mode, nb_obs "
            "FROM spica ORDER BY id")
        assert "WHERE id > 42 ORDER BY id" in page_query(table="spica", after_id=42, page_size=500)
        payload = {"delegations": [{"pi": "A", "coi": ["x", "y"], "catalogs": ["spica"]},
                                   {"pi": "B", "coi": "z, w", "catalogs": "spica,oidb"},
                                   {"pi": "C", "coi": ["q"], "catalogs": ["other"]}]}
        assert normalize_delegations(payload, catalog="spica") == {("A", "x"), ("A", "y"), ("B", "z"), ("B", "w")}


@pytest.mark.django_db
class TestSync:
    def test_first_sync_creates_targets_priorities_and_goals(self, jmmc, people):
        result = catalog_sync()
        assert result.run.counts == {"created": 4, "updated": 0, "renamed": 0, "removed": 0, "restored": 0,
                                     "unchanged": 0, "errors": 0}
        vega = Target.objects.get(name="HD 219080")
        assert (vega.priority, vega.catalog_row_id, vega.spectral_type, vega.mag_v) == (1, "1", "F1V", 4.55)
        assert vega.ra_deg == pytest.approx(348.3725) and vega.dec_deg == pytest.approx(57.1683)
        assert list(vega.programs.values_list("code", flat=True)) == ["issp"]
        goal = SurveyGoal.objects.get(target=vega)
        assert (goal.program.code, goal.instrument, goal.mode, goal.required_observations) == ("issp", "SPICA",
                                                                                              "MR720", 2)
        no_priority = Target.objects.get(name="HD 4614")
        assert no_priority.priority is None
        assert SurveyGoal.objects.get(target=no_priority).required_observations == 1
        assert dict(Target.objects.values_list("name", "priority")) == {
            "HD 219080": 1, "HD 3651": 2, "HD 10476": 3, "HD 4614": None}
        # read through TAP in keyset pages of 3 rows, with the service account
        taps = [r for r in jmmc.requests if r[0] == "TAP"]
        assert len(taps) == 2 and all(login == "issp-portal@jmmc.example" for _, _, login in taps)

    def test_second_sync_changes_nothing(self, jmmc, people):
        catalog_sync()
        read_at = dict(CatalogRow.objects.values_list("row_id", "last_read"))
        with CaptureQueriesContext(connection) as queries:
            result = catalog_sync()
        assert result.plan.is_empty and result.report == []
        assert result.run.counts["unchanged"] == 4 and result.run.counts["created"] == 0
        writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
        assert writes and all("jmmc_syncrun" in sql for sql in writes), writes
        assert dict(CatalogRow.objects.values_list("row_id", "last_read")) == read_at

    def test_remote_change_updates_the_portal(self, jmmc, people):
        catalog_sync()
        jmmc.update(2, {"priority_pi": 1, "vmag": 5.9, "nb_obs": 3})
        result = catalog_sync()
        assert result.run.counts["updated"] == 1 and result.run.counts["unchanged"] == 3
        target = Target.objects.get(name="HD 3651")
        assert (target.priority, target.mag_v) == (1, 5.9)
        assert SurveyGoal.objects.get(target=target).required_observations == 3
        assert CatalogRow.objects.get(row_id="2").remote_priority == 1
        assert any("priority_pi: 2 -> 1" in line for line in result.report)

    def test_renamed_and_removed_rows_are_reported_and_targets_stay(self, jmmc, people):
        catalog_sync()
        target = Target.objects.get(name="HD 10476")
        night = Night.objects.create(date=dt.date(2024, 5, 1))
        Observation.objects.create(program=people["program"], night=night, target=target, instrument="SPICA",
                                   start=dt.datetime(2024, 5, 2, 6, tzinfo=dt.UTC))
        jmmc.update(3, {"name": "HD 10476 A", "priority_pi": 1})
        jmmc.delete(4)
        result = catalog_sync()
        assert result.run.counts["renamed"] == 1 and result.run.counts["removed"] == 1
        target.refresh_from_db()
        assert target.name == "HD 10476" and target.priority == 1 and target.observations.count() == 1
        assert not Target.objects.filter(name="HD 10476 A").exists()
        assert Target.objects.filter(name="HD 4614").exists()
        report = "\n".join(result.report)
        assert "row 3 is now 'HD 10476 A'; portal target 'HD 10476' kept (1 obs.)" in report
        assert "removed from the catalog: row 4 HD 4614; portal target kept (0 obs.)" in report
        row3, row4 = CatalogRow.objects.get(row_id="3"), CatalogRow.objects.get(row_id="4")
        assert row3.renamed_from == "HD 10476" and row4.removed_at is not None
        again = catalog_sync()
        assert again.plan.is_empty and again.run.counts["unchanged"] == 3
        jmmc.insert({"id": 4, "name": "HD 4614", "ra": 12.2764, "dec": 57.8152, "pi": "Nardetto"})
        assert catalog_sync().run.counts["restored"] == 1
        assert CatalogRow.objects.get(row_id="4").removed_at is None

    def test_dry_run_prints_and_writes_nothing(self, jmmc, people):
        out = StringIO()
        call_command("sync_spica_catalog", "--dry-run", stdout=out)
        text = out.getvalue()
        assert "DRY RUN: would change: created=4" in text
        assert "created row 1 HD 219080" in text and "created row 4 HD 4614" in text
        assert Target.objects.count() == 0 and SyncRun.objects.count() == 0 and CatalogRow.objects.count() == 0
        call_command("sync_spica_catalog", stdout=StringIO())
        jmmc.update(1, {"priority_pi": 3})
        out = StringIO()
        call_command("sync_spica_catalog", "--dry-run", stdout=out)
        assert "updated row 1 HD 219080 (priority_pi: 1 -> 3)" in out.getvalue()
        assert Target.objects.get(name="HD 219080").priority == 1

    def test_sync_task_is_off_unless_enabled(self, jmmc, people, settings):
        from surveys.jmmc.tasks import jmmc_catalog_sync_task

        settings.JMMC_SYNC_ENABLED = False
        assert jmmc_catalog_sync_task.apply().get() == {"skipped": "JMMC_SYNC_ENABLED is off"}
        settings.JMMC_SYNC_ENABLED = True
        result = jmmc_catalog_sync_task.apply().get()
        assert result["created"] == 4 and Target.objects.count() == 4
