"""The OB services check the caller's role themselves (the API only calls them): refused without it."""
from __future__ import annotations

import pytest

from django.utils import timezone

from domain.errors import PermissionRefused
from obs_server import key_services, observability, queue_services
from obs_server.models import ObservingBlock
from tests.obs_server.conftest import make_ob

pytestmark = pytest.mark.django_db


def test_claim_heartbeat_and_status_report_need_the_role(demo, spica_payload):
    ob = make_ob("issp", spica_payload, name="perm-check")
    member, operator = demo["coi_issp"], demo["operator"]
    tonight = observability.night_date(timezone.now())
    with pytest.raises(PermissionRefused, match="only operators or staff may claim"):
        queue_services.ob_claim_next(user=demo["pi_ext"], client="acq-1", night_date=tonight)
    queue_services.ob_transition(ob_id=ob.pk, to_state=ObservingBlock.State.CLAIMED, actor=operator, client="acq-1")
    ob.refresh_from_db()
    with pytest.raises(PermissionRefused, match="only operators or staff hold leases"):
        queue_services.ob_heartbeat(ob=ob, client="acq-1", actor=member)
    assert queue_services.ob_heartbeat(ob=ob, client="acq-1", actor=operator).lease_expires is not None
    with pytest.raises(PermissionRefused, match="may not set OBs of issp to executing"):
        queue_services.ob_status_report(ob=ob, to_state="executing", actor=member, client="acq-1")
    # a member may not cancel an OB a client holds; the operator may
    with pytest.raises(PermissionRefused):
        queue_services.ob_status_report(ob=ob, to_state="cancelled", actor=member, client="acq-1")
    done = queue_services.ob_status_report(ob=ob, to_state="executing", actor=operator, client="acq-1")
    assert done.state == "executing"


def test_an_unknown_submit_key_is_refused():
    with pytest.raises(PermissionRefused, match="unknown or revoked submission key"):
        key_services.submit_key_resolve(raw_key="not-a-key")
