"""Smaller findings of the second security pass on the OB server, one test each (finding 7)."""
from __future__ import annotations

import pytest

from obs_server import key_services
from obs_server.models import ObservingBlock
from surveys.models import Program, ProgramRole
from tests.obs_server.conftest import make_ob

pytestmark = pytest.mark.django_db


def _claimed(api, spica_payload):
    ob = make_ob("issp", spica_payload)
    assert api("operator").post("/api/v1/ob/claim/", {"client": "acq-1", "instrument": "SPICA"},
                                format="json").status_code == 200
    ob.refresh_from_db()
    assert ob.state == "claimed" and ob.claimed_by == "acq-1"
    return ob


def test_a_status_change_without_client_cannot_move_a_claimed_ob(api, spica_payload):
    ob = _claimed(api, spica_payload)
    r = api("operator").post(f"/api/v1/ob/{ob.pk}/status/", {"state": "executing"}, format="json")
    assert r.status_code == 409 and "acq-1" in r.json()["detail"]
    assert api("operator").post(f"/api/v1/ob/{ob.pk}/status/", {"state": "executing", "client": "acq-1"},
                                format="json").status_code == 200


@pytest.mark.parametrize("state", ["queued", "cancelled"])
def test_a_co_i_cannot_take_a_claimed_ob_back(api, spica_payload, state):
    ob = _claimed(api, spica_payload)
    r = api("coi_issp").post(f"/api/v1/ob/{ob.pk}/status/", {"state": state, "client": "acq-1"}, format="json")
    assert r.status_code == 403
    ob.refresh_from_db()
    assert ob.state == "claimed"
    idle = make_ob("issp", spica_payload, name="ISSP idle OB")  # an idle OB stays the co-I's to cancel
    assert api("coi_issp").post(f"/api/v1/ob/{idle.pk}/status/", {"state": "cancelled"},
                                format="json").status_code == 200


def test_a_key_bound_to_one_program_refuses_another(client, demo, spica_payload):
    ProgramRole.objects.create(user=demo["pi_issp"], program=Program.objects.get(code="ext-mystic-yso"), role="pi")
    _, raw = key_services.submit_key_create(user=demo["pi_issp"], program=Program.objects.get(code="issp"))
    r = client.post(f"/ob/submit/{raw}/?program=ext-mystic-yso", spica_payload, content_type="application/json")
    assert r.status_code == 403 and "bound to program issp" in r.json()["detail"]
    assert not ObservingBlock.objects.filter(program__code="ext-mystic-yso").exists()
    assert client.post(f"/ob/submit/{raw}/?program=issp", spica_payload,
                       content_type="application/json").status_code == 201


@pytest.mark.parametrize("url", ["/api/v1/ob/queue/?night=2024-02-30", "/api/v1/ob/queue/?night=garbage"])
def test_impossible_dates_are_a_400_in_the_api(api, url):
    r = api("operator").get(url)
    assert r.status_code == 400 and "night" in r.json()["errors"]


@pytest.mark.parametrize("url", ["/ob/queue/?night=2024-02-30", "/calibration/nights/garbage/",
                                 "/calibration/nights/2024-02-30/"])
def test_impossible_dates_never_answer_500_on_pages(client, demo, url):
    client.force_login(demo["operator"])
    assert client.get(url).status_code in (200, 404)


def test_deeply_nested_obxml_is_a_400(api):
    body = ('<?xml version="1.0"?><a:observingBlockDefinition xmlns:a="http://www.jmmc.fr/aspro-ob/0.1">'
            + "<x>" * 500 + "</x>" * 500 + "</a:observingBlockDefinition>")
    r = api("pi_issp").post("/api/v1/ob/submit/?program=issp", body.encode(), content_type="application/xml")
    assert r.status_code == 400 and "nested deeper" in r.json()["detail"]


@pytest.mark.parametrize("path", ["/ob/{pk}/priority/", "/ob/program/issp/pause/"])
@pytest.mark.parametrize("target", ["https://evil.example.org/", "//evil.example.org/x", "http:/\\evil.example"])
def test_next_never_leaves_the_site(client, demo, spica_payload, path, target):
    ob = make_ob("issp", spica_payload)
    client.force_login(demo["operator"])
    r = client.post(path.format(pk=ob.pk), {"delta": 1, "paused": "1", "next": target})
    assert r.status_code == 302 and r["Location"] == "/ob/queue/"
    ok = client.post(path.format(pk=ob.pk), {"delta": 1, "paused": "0", "next": "/ob/queue/?instrument=SPICA"})
    assert ok["Location"] == "/ob/queue/?instrument=SPICA"
