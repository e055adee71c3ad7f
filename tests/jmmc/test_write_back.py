"""A PI's priority edit goes to the catalog (`PUT /spica/{id}`), refused on a stale read."""
from __future__ import annotations

import html
import re

import pytest

from django.urls import reverse

from surveys.jmmc.models import CatalogRow
from surveys.jmmc.services import catalog_sync
from surveys.models import Target


def _cells(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="conflict-([a-z-]+)">([^<]*)<', html))


@pytest.fixture
def synced(jmmc, people):
    catalog_sync()
    return Target.objects.get(name="HD 219080")


@pytest.mark.django_db
class TestPriorityWriteBack:
    def test_pi_edit_is_written_to_the_catalog_then_the_portal(self, client, jmmc, people, synced):
        client.force_login(people["pi_issp"])
        url = reverse("jmmc:priority-edit", args=[synced.pk])
        page = client.get(url)
        assert page.status_code == 200 and 'name="expected" value="1"' in page.content.decode()
        answer = client.post(url, {"priority": "3", "expected": "1"})
        assert answer.status_code == 302
        assert jmmc.get(1)["priority_pi"] == 3
        assert ("PUT", "/spica/1", "issp-portal@jmmc.example") in jmmc.requests
        synced.refresh_from_db()
        assert synced.priority == 3 and CatalogRow.objects.get(row_id="1").remote_priority == 3
        assert "is now 3" in client.get(url).content.decode()
        assert catalog_sync().plan.is_empty  # the next sync agrees

    def test_conflicting_write_back_is_refused_with_both_values(self, client, jmmc, people, synced):
        client.force_login(people["pi_issp"])
        url = reverse("jmmc:priority-edit", args=[synced.pk])
        jmmc.update(1, {"priority_pi": 2})  # someone edits the catalog after the portal's read
        answer = client.post(url, {"priority": "3", "expected": "1"})
        html = answer.content.decode()
        assert answer.status_code == 409
        assert "the catalog changed since the portal read it" in html
        assert _cells(html) == {"remote": "2", "last-read": "1", "wanted": "3"}
        assert jmmc.get(1)["priority_pi"] == 2  # nothing written remotely
        synced.refresh_from_db()
        assert synced.priority == 1  # nor in the portal
        assert not any(m == "PUT" for m, _, _ in jmmc.requests)
        # the form now carries the value the user has seen: submitting again is an informed overwrite
        assert 'name="expected" value="2"' in html
        assert client.post(url, {"priority": "3", "expected": "2"}).status_code == 302
        assert jmmc.get(1)["priority_pi"] == 3

    @pytest.mark.parametrize("who, status", [("pi_issp", 200), ("admin", 200), ("coi_a", 403),
                                             ("outsider", 403), (None, 302)])
    def test_who_may_edit(self, client, people, synced, who, status):
        if who:
            client.force_login(people[who])
        assert client.get(reverse("jmmc:priority-edit", args=[synced.pk])).status_code == status

    @pytest.mark.parametrize("value, reason", [("abc", "'abc' is not a whole number"),
                                               ("0", "must be between 1 and 99"), ("", "is not a whole number")])
    def test_bad_priority_is_refused_and_nothing_written(self, client, jmmc, people, synced, value, reason):
        client.force_login(people["pi_issp"])
        answer = client.post(reverse("jmmc:priority-edit", args=[synced.pk]), {"priority": value, "expected": "1"})
        assert answer.status_code == 400 and reason in html.unescape(answer.content.decode())
        assert jmmc.get(1)["priority_pi"] == 1
        assert not any(m == "PUT" for m, _, _ in jmmc.requests)

    def test_status_page_lists_runs_and_rows_to_decide(self, client, jmmc, people, synced):
        jmmc.update(3, {"name": "HD 10476 A"})
        jmmc.delete(4)
        catalog_sync()
        client.force_login(people["admin"])
        html = client.get(reverse("jmmc:sync-status")).content.decode()
        assert "HD 10476 A" in html and "renamed" in html and "removed" in html
        assert "portal target &#x27;HD 10476&#x27; kept" in html
        client.force_login(people["outsider"])
        assert client.get(reverse("jmmc:sync-status")).status_code == 403
