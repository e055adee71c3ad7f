"""PI -> co-I delegations: catalog -> portal (import) and portal -> catalog (`PUT /delegations`)."""
from __future__ import annotations

import pytest
from astropy.time import Time

from surveys.jmmc.clients import CatalogApiClient
from surveys.jmmc.delegations import catalog_full_sync, delegations_push, portal_pairs
from surveys.jmmc.sync import normalize_delegations
from surveys.models import Delegation, Target
from surveys.selectors import access_decision


@pytest.mark.django_db
class TestDelegations:
    def test_catalog_delegations_become_portal_delegations(self, jmmc, people):
        jmmc.delegations = [{"pi": "Mourard", "coi": ["alice@uni.example", "ghost@nowhere.example"],
                             "catalogs": ["spica"]},
                            {"pi": "Nardetto", "coi": ["bob@uni.example"], "catalogs": ["other_catalog"]}]
        result = catalog_full_sync()
        got = {(d.target.name, d.grantee.username, d.granted_by.username) for d in Delegation.objects.all()}
        assert got == {("HD 219080", "coi_a", "pi_issp"), ("HD 3651", "coi_a", "pi_issp")}
        assert result.run.counts["delegations_imported"] == 2
        assert any("ghost@nowhere.example: no portal user" in line for line in result.run.report)
        # the access policy now lets alice read Mourard's targets, not Nardetto's
        program, recent = people["program"], Time.now().mjd - 30  # still under embargo
        mine, other = Target.objects.get(name="HD 219080"), Target.objects.get(name="HD 10476")
        assert access_decision(user=people["coi_a"], program=program, target_id=mine.pk, t_max_mjd=recent)
        assert not access_decision(user=people["coi_a"], program=program, target_id=other.pk, t_max_mjd=recent)
        # nothing to push back: both sides agree, and a second sync imports nothing
        assert ("PUT", "/delegations", "issp-portal@jmmc.example") not in jmmc.requests
        again = catalog_full_sync()
        assert again.run.counts["delegations_imported"] == 0 and again.run.counts["delegations_pushed"] == 0
        assert Delegation.objects.count() == 2

    def test_portal_delegation_is_pushed_and_read_back(self, jmmc, people):
        catalog_full_sync()
        target = Target.objects.get(name="HD 10476")  # a Nardetto row
        Delegation.objects.create(program=people["program"], target=target, grantee=people["coi_b"],
                                  granted_by=people["nardetto"])
        report = delegations_push()
        assert report.pushed == ["Nardetto -> bob@uni.example"]
        assert ("PUT", "/delegations", "issp-portal@jmmc.example") in jmmc.requests
        remote = normalize_delegations(CatalogApiClient().delegations(pi="Nardetto"), catalog="spica")
        assert remote == {("Nardetto", "bob@uni.example")}
        assert jmmc.delegations == [{"pi": "Nardetto", "coi": ["bob@uni.example"], "catalogs": ["spica"]}]
        # read back by the next sync. The catalog delegates per PI (all of Nardetto's rows), so the portal
        # mirrors that on Nardetto's other row, and says so in the report; no duplicate of the pushed one.
        result = catalog_full_sync()
        assert result.run.counts["delegations_imported"] == 1 and result.run.counts["delegations_pushed"] == 0
        assert "imported delegation: Nardetto -> bob@uni.example on HD 4614" in result.run.report
        assert sorted(Delegation.objects.filter(grantee=people["coi_b"]).values_list("target__name", flat=True)) == [
            "HD 10476", "HD 4614"]
        again = catalog_full_sync()
        assert again.run.counts["delegations_imported"] == 0 and again.run.counts["delegations_pushed"] == 0
        assert portal_pairs(catalog="spica") == normalize_delegations(CatalogApiClient().delegations(),
                                                                      catalog="spica")

    def test_program_wide_delegation_covers_every_pi(self, jmmc, people):
        catalog_full_sync()
        Delegation.objects.create(program=people["program"], grantee=people["coi_a"], granted_by=people["pi_issp"])
        report = delegations_push()
        assert sorted(report.pushed) == ["Mourard -> alice@uni.example", "Nardetto -> alice@uni.example"]
        assert catalog_full_sync().run.counts["delegations_imported"] == 0  # covered by the program-wide one
        assert Delegation.objects.count() == 1
