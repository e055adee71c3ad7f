"""Exported obxml -> real a2p2 OB() -> the same dict -> re-posted: the same OB in the queue."""
from __future__ import annotations

import pytest
from a2p2.ob import OB

from obs_server import services as ob_services
from planner import selectors, services

pytestmark = pytest.mark.django_db


def test_exported_obxml_read_by_a2p2_and_reposted_is_unchanged(issp_plan, demo, tmp_path):
    obs = services.plan_send(plan=issp_plan, user=demo["pi_issp"])
    files = selectors.plan_obxml_files(plan=issp_plan)
    assert len(files) == len(obs) == issp_plan.items.count()
    by_name = {ob.name: ob for ob in obs}
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        back = OB(str(path)).as_dict()
        queued = by_name[name.removesuffix(".obxml")]
        assert back == queued.payload
        assert [c["type"] for c in back["observationConfiguration"]][0] == "SCIENCE"
        refs = [v["ref"] for v in back["observationSchedule"]["OB"]]
        assert len(refs) == 3 and refs[1] == back["observationConfiguration"][0]["id"]
        again, created, _ = ob_services.ob_receive(payload=back, program=issp_plan.program,
                                                   submitted_by=demo["pi_issp"], night=issp_plan.night)
        assert not created and again.pk == queued.pk and again.payload == queued.payload
