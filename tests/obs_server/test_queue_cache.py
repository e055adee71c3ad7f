"""The ordered queue is computed once per change and shared through the cache (load finding)."""
from __future__ import annotations

import pytest

from obs_server import queue_services, selectors
from tests.obs_server.conftest import make_ob

pytestmark = pytest.mark.django_db


def test_full_queue_is_computed_once_per_etag_and_again_after_a_change(api, demo, spica_payload, monkeypatch):
    first = make_ob("issp", spica_payload, name="ISSP first")
    make_ob("issp", spica_payload, name="ISSP second", ra="01:00:00")
    real, calls = selectors.queue_ranked, []

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(selectors, "queue_ranked", counting)
    client = api("operator")
    answers = [client.get("/api/v1/ob/queue/") for _ in range(5)]
    assert {a.status_code for a in answers} == {200} and len({a["ETag"] for a in answers}) == 1
    assert len(calls) == 1 and len({a.content for a in answers}) == 1
    before = answers[0].json()["results"]
    old = next(r["priority"] for r in before if r["id"] == first.pk)
    queue_services.ob_priority_change(ob=first, delta=5, actor=demo["operator"])  # the queue changes
    after = client.get("/api/v1/ob/queue/")
    assert after["ETag"] != answers[0]["ETag"] and len(calls) == 2
    ranked = {r["id"]: r for r in after.json()["results"]}
    assert ranked[first.pk]["priority"] == old + 5  # the new answer, not the cached one
    other = api("pi_ext").get("/api/v1/ob/queue/")  # another user's scope never reuses this answer
    assert other.status_code == 200 and first.pk not in {r["id"] for r in other.json()["results"]}
