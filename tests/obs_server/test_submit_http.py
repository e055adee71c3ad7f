"""The a2p2 side over real HTTP: a2p2's own OB dicts POSTed to a running server (live_server)."""
from __future__ import annotations

import copy

import pytest
import requests

from obs_server.models import ObservingBlock, ObTransition
from surveys.models import Program

live = pytest.mark.django_db(transaction=True)


@pytest.fixture
def a2p2_url(demo, live_server):
    """The secret URL a2p2's "CHARA queue server" preference points at (key bound to issp)."""
    from obs_server import key_services

    _, raw = key_services.submit_key_create(user=demo["pi_issp"], program=Program.objects.get(code="issp"))
    return f"{live_server.url}/ob/submit/{raw}/"


@live
def test_a2p2_health_check_and_spica_accepted(a2p2_url, spica_payload):
    status = requests.get(a2p2_url, timeout=3)  # what a2p2's checkServer() does
    assert status.status_code == 200
    body = status.json()
    assert body["service"] == "ISSP OB server" and body["user"] == "pi_issp" and body["programs"] == ["issp"]
    assert {"version", "datetime", "hostname"} <= set(body)

    r = requests.post(a2p2_url, json=spica_payload, timeout=3)  # what a2p2's consumeOB() does
    assert r.status_code == 201, r.text
    answer = r.json()
    ob = ObservingBlock.objects.get(pk=answer["id"])
    assert ob.program.code == "issp" and ob.state == "queued" and ob.instrument == "SPICA" and ob.mode == "MR720"
    assert ob.payload == spica_payload and ob.target.name == "HD 219080"
    assert answer["url"].endswith(f"/api/v1/ob/{ob.pk}/")
    assert f"OB {ob.pk} accepted and queued" in answer["detail"] and "HD 219080" in answer["detail"]
    assert list(ob.transitions.values_list("from_state", "to_state")) == [("", "submitted"), ("submitted", "queued")]

    again = requests.post(a2p2_url, json=spica_payload, timeout=3)
    assert again.status_code == 200 and again.json()["id"] == ob.pk and again.json()["created"] is False
    assert ObservingBlock.objects.count() == 1


@live
def test_vlti_refused_with_clear_message(a2p2_url, spica_payload):
    vlti = copy.deepcopy(spica_payload)
    vlti["interferometerConfiguration"]["name"] = "VLTI"
    r = requests.post(a2p2_url, json=vlti, timeout=3)
    assert r.status_code == 400
    reason = r.json()["errors"]["interferometerConfiguration.name"]
    assert "CHARA Array only" in reason and "VLTI" in reason
    assert "VLTI" in r.json()["detail"]
    assert not ObservingBlock.objects.exists()


@pytest.mark.parametrize("field,change", [
    ("observationConfiguration[0].SCTarget.DEC", lambda p: p["observationConfiguration"][0]["SCTarget"]
     .__setitem__("DEC", "+97:10:05.9")),
    ("observationConfiguration[1].SCTarget.RA", lambda p: p["observationConfiguration"][1]["SCTarget"]
     .__setitem__("RA", "23h07m??")),
    ("instrumentConfiguration.instrumentMode", lambda p: p["instrumentConfiguration"]
     .__setitem__("instrumentMode", "MR999")),
    ("observationSchedule.OB[1].ref", lambda p: p["observationSchedule"]["OB"][1].__setitem__("ref", "HD_999")),
])
@live
def test_corrupted_variants_refused_and_nothing_stored(a2p2_url, spica_payload, field, change):
    from surveys.models import Target

    targets_before = Target.objects.count()
    bad = copy.deepcopy(spica_payload)
    change(bad)
    r = requests.post(a2p2_url, json=bad, timeout=3)
    assert r.status_code == 400
    assert list(r.json()["errors"]) == [field]
    assert field in r.json()["detail"]
    assert not ObservingBlock.objects.exists() and not ObTransition.objects.exists()
    assert Target.objects.count() == targets_before


@live
def test_obxml_body_accepted(a2p2_url, spica_payload):
    from tests.obs_server.conftest import SPICA_OBXML

    r = requests.post(a2p2_url, data=SPICA_OBXML.read_bytes(), headers={"Content-Type": "application/xml"}, timeout=3)
    assert r.status_code == 201, r.text
    assert ObservingBlock.objects.get(pk=r.json()["id"]).payload == spica_payload
    broken = requests.post(a2p2_url, data=b"<a:observingBlockDefinition", timeout=3,
                           headers={"Content-Type": "application/xml"})
    assert broken.status_code == 400 and "xml" in broken.json()["errors"]


@live
def test_secret_key_refused_when_unknown_or_revoked(demo, live_server, spica_payload):
    from obs_server import key_services
    from obs_server.models import ObSubmitKey

    r = requests.post(f"{live_server.url}/ob/submit/not-a-key/", json=spica_payload, timeout=3)
    assert r.status_code == 403 and "unknown or revoked" in r.json()["detail"]
    key, raw = key_services.submit_key_create(user=demo["pi_issp"])
    url = f"{live_server.url}/ob/submit/{raw}/"
    assert requests.get(url, timeout=3).status_code == 200
    key_services.submit_key_revoke(key=key, by=demo["pi_issp"])
    assert requests.post(url, json=spica_payload, timeout=3).status_code == 403
    assert ObSubmitKey.objects.get(pk=key.pk).key_hash != raw  # only the hash is stored
    assert not ObservingBlock.objects.exists()


@live
def test_token_header_refusal_and_success(demo, live_server, spica_payload):
    from rest_framework.authtoken.models import Token

    url = f"{live_server.url}/api/v1/ob/submit/"
    assert requests.post(url, json=spica_payload, timeout=3).status_code == 401
    bad = requests.post(url, json=spica_payload, headers={"Authorization": "Token nope"}, timeout=3)
    assert bad.status_code == 401
    token = Token.objects.create(user=demo["coi_issp"])
    ok = requests.post(url, json=spica_payload, headers={"Authorization": f"Token {token.key}"}, timeout=3)
    assert ok.status_code == 201 and ok.json()["program"] == "issp"
    # pi_ext may not submit to issp
    other = Token.objects.create(user=demo["pi_ext"])
    refused = requests.post(url + "?program=issp", json=spica_payload, timeout=3,
                            headers={"Authorization": f"Token {other.key}"})
    assert refused.status_code == 403


def test_flagged_calibrator_warns_or_refuses(api, spica_payload):
    from surveys.models import CalibratorFlag

    flag = CalibratorFlag.objects.filter(active=True).select_related("calibrator").first()
    payload = copy.deepcopy(spica_payload)
    payload["observationConfiguration"][1]["SCTarget"]["name"] = flag.calibrator.name
    r = api("pi_issp").post("/api/v1/ob/submit/?program=issp", payload, format="json")
    assert r.status_code == 201
    assert "flagged" in r.json()["detail"] and flag.calibrator.name in r.json()["warnings"][0]
    Program.objects.filter(code="issp").update(refuse_flagged_calibrators=True)
    payload["name"] = "another"
    r = api("pi_issp").post("/api/v1/ob/submit/?program=issp", payload, format="json")
    assert r.status_code == 400
    assert "observationConfiguration[1].SCTarget.name" in r.json()["errors"]
    assert ObservingBlock.objects.count() == 1


def test_validate_dry_run_stores_nothing(api, spica_payload):
    r = api("pi_issp").post("/api/v1/ob/validate/", spica_payload, format="json")
    assert r.status_code == 200 and r.json()["valid"] is True and "HD 219080" in r.json()["summary"]
    bad = copy.deepcopy(spica_payload)
    bad["observationConfiguration"][0]["SCTarget"]["DEC"] = "+91:00:00"
    r = api("pi_issp").post("/api/v1/ob/validate/", bad, format="json")
    assert r.status_code == 400 and "observationConfiguration[0].SCTarget.DEC" in r.json()["errors"]
    assert not ObservingBlock.objects.exists()


def test_program_choice_needed_for_several_programs(api, demo, spica_payload):
    from surveys.models import ProgramRole

    ProgramRole.objects.create(user=demo["pi_issp"], program=Program.objects.get(code="ext-spica-binaries"),
                               role="member")
    r = api("pi_issp").post("/api/v1/ob/submit/", spica_payload, format="json")
    assert r.status_code == 400 and "issp" in r.json()["errors"]["program"]
    r = api("pi_issp").post("/api/v1/ob/submit/?program=ext-spica-binaries", spica_payload, format="json")
    assert r.status_code == 201 and r.json()["program"] == "ext-spica-binaries"
