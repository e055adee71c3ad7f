"""The queue: lifecycle with compare-and-set, leases, ranking with reasons, ETag, observations."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from astropy.coordinates import Angle
from astropy.time import Time

from django.utils import timezone

from domain.errors import ConflictError
from obs_server import observability, queue_services
from obs_server.models import ObservingBlock
from surveys.models import Observation, Program
from tests.obs_server.conftest import make_ob

pytestmark = pytest.mark.django_db


def _ra_with_ha(hours: float, now: dt.datetime) -> str:
    """A sexagesimal RA whose hour angle at CHARA is `hours` at `now` (astropy sidereal time)."""
    with observability.offline_iers():
        lst = Time(now).sidereal_time("apparent", longitude=observability.CHARA_LON_DEG).hour
    return Angle((lst - hours) % 24, unit="hourangle").to_string(sep=":", precision=2, pad=True)


@pytest.fixture
def any_hour(settings):
    """The claim API ranks at the real clock and CI runs at any hour: the Sun and Moon rules off here
    (test_observability covers them at fixed times)."""
    settings.OBS_SERVER_MIN_MOON_DEG = 0.0
    settings.OBS_SERVER_MAX_SUN_ALT_DEG = 90.0


def test_lifecycle_records_every_transition_and_creates_observation(demo, spica_payload):
    ob = make_ob("issp", spica_payload)
    op = demo["operator"]
    queue_services.ob_transition(ob_id=ob.pk, to_state="claimed", actor=op, client="spica-acq-1")
    queue_services.ob_transition(ob_id=ob.pk, to_state="executing", actor=op, client="spica-acq-1", check_client=True)
    with pytest.raises(ConflictError):  # another client cannot report on it
        queue_services.ob_transition(ob_id=ob.pk, to_state="done", actor=op, client="spica-acq-2", check_client=True)
    queue_services.ob_transition(ob_id=ob.pk, to_state="aborted", actor=op, client="spica-acq-1",
                           reason="clouds", comment="r0 dropped to 4 cm")
    obs = Observation.objects.get(ob=ob)
    assert (obs.status, obs.instrument, obs.mode, obs.stations) == ("aborted", "SPICA", "MR720", "S1-S2-E1-E2-W1-W2")
    assert obs.target.name == "HD 219080" and obs.comment == "r0 dropped to 4 cm"
    assert [c.name for c in obs.calibrators.all()] == []  # HD 218470 is not in the demo catalogue
    queue_services.ob_transition(ob_id=ob.pk, to_state="queued", actor=demo["pi_issp"], reason="re-queue")
    history = list(ob.transitions.values_list("from_state", "to_state", "client", "reason"))
    assert [h[:2] for h in history] == [("", "submitted"), ("submitted", "queued"), ("queued", "claimed"),
                                        ("claimed", "executing"), ("executing", "aborted"), ("aborted", "queued")]
    assert history[4][2:] == ("spica-acq-1", "clouds")
    with pytest.raises(ConflictError):  # queued -> done is not a move
        queue_services.ob_transition(ob_id=ob.pk, to_state="done", actor=op)


def test_done_updates_observation_of_the_night(demo, spica_payload):
    ob = make_ob("issp", spica_payload)
    queue_services.ob_transition(ob_id=ob.pk, to_state="claimed", client="c1")
    queue_services.ob_transition(ob_id=ob.pk, to_state="done", client="c1")
    obs = Observation.objects.get(ob=ob)
    assert obs.status == "executed" and obs.night.date == observability.night_date(obs.start)


def test_expected_state_compare_and_set(demo, spica_payload):
    ob = make_ob("issp", spica_payload)
    with pytest.raises(ConflictError):
        queue_services.ob_transition(ob_id=ob.pk, to_state="cancelled", expected_state="submitted")
    queue_services.ob_transition(ob_id=ob.pk, to_state="cancelled", expected_state="queued")
    assert ObservingBlock.objects.get(pk=ob.pk).state == "cancelled"


def test_lease_expires_back_to_queue(demo, spica_payload, settings):
    ob = make_ob("issp", spica_payload)
    queue_services.ob_transition(ob_id=ob.pk, to_state="claimed", client="dead-client")
    assert queue_services.ob_leases_expire() == 0
    later = timezone.now() + dt.timedelta(seconds=settings.OBS_SERVER_CLAIM_LEASE_SECONDS + 5)
    assert queue_services.ob_leases_expire(now=later) == 1
    ob.refresh_from_db()
    assert ob.state == "queued" and ob.claimed_by == ""
    assert ob.transitions.last().reason == "lease expired"


def test_ranking_says_why_and_skips_paused(api, demo, spica_payload, any_hour):
    now = timezone.now()
    later = make_ob("issp", spica_payload, name="not-yet", ra=_ra_with_ha(-6.0, now), dec="+34:00:00")
    best = make_ob("issp", spica_payload, name="overhead", ra=_ra_with_ha(0.5, now), dec="+34:00:00")
    low = make_ob("ext-spica-binaries", spica_payload, name="ext-overhead", ra=_ra_with_ha(0.2, now), dec="+34:00:00")
    from obs_server import selectors

    entries = selectors.queue_ranked(ObservingBlock.objects.all(), now=now)
    assert [e.ob.pk for e in entries] == [best.pk, low.pk, later.pk]
    assert "observable now" in entries[0].why and "program issp priority 1" in entries[0].why
    assert re.search(r"not observable now \(HA -6\.0\d h outside \[-3\.50, \+3\.50\]", entries[2].why)
    # claim-next: the operator (issp only) gets the overhead issp OB
    r = api("operator").post("/api/v1/ob/claim/", {"client": "spica-acq-1"}, format="json")
    assert r.status_code == 200 and r.json()["id"] == best.pk and r.json()["why"].startswith("#1")
    assert r.json()["payload"]["name"] == "overhead"
    # staff sees the paused program skipped
    Program.objects.filter(code="ext-spica-binaries").update(paused=True)
    r = api("admin").post("/api/v1/ob/claim/", {"client": "spica-acq-2"}, format="json")
    assert r.json()["id"] == later.pk
    assert api("admin").post("/api/v1/ob/claim/", {"client": "spica-acq-2"}, format="json").status_code == 204


def test_queue_etag_304_and_changes(api, demo, spica_payload):
    make_ob("issp", spica_payload)
    client = api("operator")
    first = client.get("/api/v1/ob/queue/")
    assert first.status_code == 200 and first.json()["count"] == 1
    etag = first["ETag"]
    again = client.get("/api/v1/ob/queue/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content
    ob = ObservingBlock.objects.get()
    queue_services.ob_priority_change(ob=ob, delta=1, actor=demo["operator"])
    changed = client.get("/api/v1/ob/queue/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag and changed.json()["results"][0]["priority"] == 1
    queue_services.program_pause_set(program=Program.objects.get(code="issp"), paused=True, actor=demo["operator"])
    assert client.get("/api/v1/ob/queue/", HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200


def test_queue_filters_and_obxml_fetch(api, demo, spica_payload, mystic_payload):
    from domain.ob_format import obxml_to_dict

    spica = make_ob("issp", spica_payload)
    make_ob("ext-mystic-yso", mystic_payload)
    admin = api("admin")
    assert admin.get("/api/v1/ob/queue/").json()["count"] == 2
    only = admin.get("/api/v1/ob/queue/?instrument=SPICA").json()
    assert [r["id"] for r in only["results"]] == [spica.pk]
    xml = admin.get(f"/api/v1/ob/{spica.pk}/obxml")
    assert xml["Content-Type"].startswith("application/xml")
    assert obxml_to_dict(xml.content) == spica_payload
    detail = admin.get(f"/api/v1/ob/{spica.pk}/").json()
    assert detail["payload"] == spica_payload and detail["transitions"][-1]["to"] == "queued"


def test_status_api_reports_and_conflicts(api, demo, spica_payload):
    ob = make_ob("issp", spica_payload)
    op = api("operator")
    r = op.post("/api/v1/ob/claim/", {"client": "acq"}, format="json")
    assert r.json()["id"] == ob.pk
    assert op.post(f"/api/v1/ob/{ob.pk}/heartbeat/", {"client": "acq"}, format="json").status_code == 200
    assert op.post(f"/api/v1/ob/{ob.pk}/status/", {"state": "executing", "client": "acq"},
                   format="json").status_code == 200
    r = op.post(f"/api/v1/ob/{ob.pk}/status/", {"state": "executing", "client": "acq"}, format="json")
    assert r.status_code == 409 and "executing" in r.json()["detail"]
    r = op.post(f"/api/v1/ob/{ob.pk}/status/", {"state": "done", "client": "acq", "comment": "fine"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "done"
    assert Observation.objects.get(ob=ob).status == "executed"
    r = op.post(f"/api/v1/ob/{ob.pk}/status/", {"state": "exploded"}, format="json")
    assert r.status_code == 400 and "state" in r.json()


def test_requeue_for_another_night(api, demo, spica_payload):
    from surveys.models import Night

    ob = make_ob("issp", spica_payload)
    night = Night.objects.order_by("-date").first()
    op = api("operator")
    op.post("/api/v1/ob/claim/", {"client": "acq"}, format="json")
    op.post(f"/api/v1/ob/{ob.pk}/status/", {"state": "failed", "client": "acq", "reason": "seeing"}, format="json")
    r = op.post(f"/api/v1/ob/{ob.pk}/status/", {"state": "queued", "night": night.date.isoformat()}, format="json")
    assert r.status_code == 200 and r.json()["night"] == night.date.isoformat() and r.json()["state"] == "queued"
    r = op.post(f"/api/v1/ob/{ob.pk}/status/", {"state": "queued", "night": "1999-01-01"}, format="json")
    assert r.status_code == 400 and "night" in r.json()["errors"]
