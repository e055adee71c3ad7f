"""Portal pages: the operators' queue, priority buttons, pause/resume, upload form, a2p2 keys, schema."""
from __future__ import annotations

import copy

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile

from domain.ob_format import ob_to_obxml
from obs_server.models import ObservingBlock, ObSubmitKey
from surveys.models import Program
from tests.obs_server.conftest import SPICA_OBXML, make_ob

pytestmark = pytest.mark.django_db


def test_queue_page_plots_and_operator_actions(client, demo, spica_payload):
    ob = make_ob("issp", spica_payload)
    client.force_login(demo["operator"])
    page = client.get("/ob/queue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "ISSP_HD219080_MR720" in html and f'id="plot-{ob.pk}"' in html and "js/plotly.min.js" in html
    assert "program issp priority 1" in html  # the reason of the rank is shown
    plots = page.context["plots_json"]
    assert plots[0]["id"] == ob.pk and len(plots[0]["all"]) == len(page.context["meta_json"]["times"]) > 40
    client.post(f"/ob/{ob.pk}/priority/", {"direction": "up"})
    assert ObservingBlock.objects.get(pk=ob.pk).priority == 1
    client.post("/ob/program/issp/pause/", {"paused": "1"})
    assert Program.objects.get(code="issp").paused
    assert "paused" in client.get("/ob/queue/").content.decode()
    client.post("/ob/program/issp/pause/", {"paused": "0"})
    assert not Program.objects.get(code="issp").paused


def test_member_cannot_reorder_or_pause(client, demo, spica_payload):
    ob = make_ob("issp", spica_payload)
    client.force_login(demo["coi_issp"])
    assert 'data-test="up-' not in client.get("/ob/queue/").content.decode()
    client.post(f"/ob/{ob.pk}/priority/", {"direction": "up"})
    client.post("/ob/program/issp/pause/", {"paused": "1"})
    assert ObservingBlock.objects.get(pk=ob.pk).priority == 0 and not Program.objects.get(code="issp").paused


def test_upload_form_accepts_validates_and_refuses(client, demo, spica_payload):
    client.force_login(demo["pi_issp"])
    issp = Program.objects.get(code="issp")
    r = client.post("/ob/upload/", {"program": issp.pk, "validate_only": "on",
                                    "obxml": SimpleUploadedFile("ob.obxml", SPICA_OBXML.read_bytes())})
    assert r.status_code == 200 and "Valid, nothing stored" in r.content.decode()
    assert not ObservingBlock.objects.exists()
    r = client.post("/ob/upload/", {"program": issp.pk,
                                    "obxml": SimpleUploadedFile("ob.obxml", SPICA_OBXML.read_bytes())})
    assert r.status_code == 200 and "accepted and queued" in r.content.decode()
    assert ObservingBlock.objects.get().payload == spica_payload
    bad = copy.deepcopy(spica_payload)
    bad["instrumentConfiguration"]["instrumentMode"] = "MR000"
    r = client.post("/ob/upload/", {"program": issp.pk,
                                    "obxml": SimpleUploadedFile("bad.obxml", ob_to_obxml(bad).encode())})
    assert r.status_code == 400 and "instrumentConfiguration.instrumentMode" in r.content.decode()
    assert ObservingBlock.objects.count() == 1


def test_keys_created_shown_once_and_revoked(client, demo):
    client.force_login(demo["pi_issp"])
    r = client.post("/ob/keys/", {"action": "create", "program": "issp"}, follow=True)
    url = r.context["new_key_url"]
    assert "/ob/submit/" in url
    assert client.get("/ob/upload/").context["new_key_url"] is None  # shown once
    key = ObSubmitKey.objects.get(user=demo["pi_issp"])
    assert client.get(url.split("testserver")[1]).json()["programs"] == ["issp"]
    client.post("/ob/keys/", {"action": "revoke", "key": key.pk})
    assert client.get(url.split("testserver")[1]).status_code == 403
    r = client.post("/ob/keys/", {"action": "token"}, follow=True)
    assert r.context["token"].user == demo["pi_issp"]


def test_openapi_schema_lists_ob_endpoints(client, demo):
    client.force_login(demo["admin"])
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/ob/submit/", "/api/v1/ob/validate/", "/api/v1/ob/queue/", "/api/v1/ob/claim/",
                 "/api/v1/ob/{id}/", "/api/v1/ob/{id}/obxml", "/api/v1/ob/{id}/status/", "/ob/submit/{key}/"):
        assert path in schema["paths"], path
    assert "ETag" in schema["paths"]["/api/v1/ob/queue/"]["get"]["summary"]
