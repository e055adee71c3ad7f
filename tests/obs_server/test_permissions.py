"""Permission matrix of the OB API: anonymous, another program's PI, member, operator, staff."""
from __future__ import annotations

import pytest

from obs_server import queue_services
from tests.obs_server.conftest import make_ob

pytestmark = pytest.mark.django_db

ROLES = [None, "pi_ext", "coi_issp", "operator", "admin"]  # anonymous, other program, member, operator, staff
MATRIX = {
    # operation: expected status per role, in ROLES order
    "queue": [401, 200, 200, 200, 200],
    "submit": [401, 403, 201, 201, 201],
    "validate": [401, 403, 200, 200, 200],
    "detail": [401, 404, 200, 200, 200],
    "obxml": [401, 404, 200, 200, 200],
    "claim": [401, 403, 403, 200, 200],
    "status": [401, 404, 403, 200, 200],
    "cancel": [401, 404, 200, 200, 200],
}
VISIBLE = {None: None, "pi_ext": 0, "coi_issp": 1, "operator": 1, "admin": 1}


def _call(client, op, ob, payload):
    if op == "queue":
        return client.get("/api/v1/ob/queue/")
    if op == "submit":
        payload = {**payload, "name": "new-one"}
        return client.post("/api/v1/ob/submit/?program=issp", payload, format="json")
    if op == "validate":
        return client.post("/api/v1/ob/validate/?program=issp", payload, format="json")
    if op == "detail":
        return client.get(f"/api/v1/ob/{ob.pk}/")
    if op == "obxml":
        return client.get(f"/api/v1/ob/{ob.pk}/obxml")
    if op == "claim":
        return client.post("/api/v1/ob/claim/", {"client": "acq-test"}, format="json")
    if op == "status":
        queue_services.ob_transition(ob_id=ob.pk, to_state="claimed", client="acq-test")
        return client.post(f"/api/v1/ob/{ob.pk}/status/", {"state": "executing", "client": "acq-test"}, format="json")
    if op == "cancel":
        return client.post(f"/api/v1/ob/{ob.pk}/status/", {"state": "cancelled", "reason": "withdrawn"}, format="json")
    raise AssertionError(op)


@pytest.mark.parametrize("op", list(MATRIX))
@pytest.mark.parametrize("index,role", list(enumerate(ROLES)))
def test_permission_matrix(api, demo, spica_payload, op, index, role):
    ob = make_ob("issp", spica_payload)
    response = _call(api(role), op, ob, spica_payload)
    assert response.status_code == MATRIX[op][index], (op, role, getattr(response, "data", response.content))
    if op == "queue" and response.status_code == 200:
        assert response.json()["count"] == VISIBLE[role]
    if op == "claim" and response.status_code == 200:
        ob.refresh_from_db()
        assert ob.state == "claimed" and ob.claimed_by == "acq-test"
