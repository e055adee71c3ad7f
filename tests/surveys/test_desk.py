"""The desk: home after login, per role, every block through the access policy."""
from __future__ import annotations

import datetime as dt

import pytest

from django.urls import reverse
from django.utils import timezone

from domain.site import night_date
from obs_server.models import ObservingBlock
from pipelines.models import PipelineRun
from surveys.models import Calibrator, CalibratorFlag, Night, NightAllocation, Program, Semester

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(demo):
    """A semester around today with past, tonight and next nights, a failed OB and run, a suspect."""
    today = night_date(timezone.now())
    # The demo lives in the present: reuse its current semester, and make these four nights exactly as stated.
    sem = (Semester.objects.filter(start__lte=today, end__gte=today).first()
           or Semester.objects.create(code="NOW", start=today - dt.timedelta(days=60),
                                      end=today + dt.timedelta(days=60)))
    issp, ext = Program.objects.get(code="issp"), Program.objects.get(code="ext-mystic-yso")
    NightAllocation.objects.filter(night__date__in=[today + dt.timedelta(days=d) for d in (-3, -1, 0, 2)]).delete()

    def night(delta: int, status: str) -> Night:
        return Night.objects.update_or_create(date=today + dt.timedelta(days=delta),
                                              defaults={"semester": sem, "status": status})[0]

    nights = {}
    for label, delta, status in [("past", -3, "observed"), ("tonight", 0, "scheduled"), ("next", 2, "scheduled")]:
        n = nights[label] = night(delta, status)
        NightAllocation.objects.create(night=n, program=issp)
    ext_night = night(-1, "observed")
    NightAllocation.objects.create(night=ext_night, program=ext)
    target = issp.targets.first()
    for name, program in (("OB-ISSP-FAILED", issp), ("OB-EXT-FAILED", ext)):
        ObservingBlock.objects.create(program=program, target=target, night=nights["past"], name=name,
                                      instrument="SPICA", mode="MR720", payload={}, content_hash=name,
                                      state="failed")
    ObservingBlock.objects.create(program=issp, target=target, night=nights["tonight"], name="OB-TONIGHT",
                                  instrument="SPICA", mode="MR720", payload={}, content_hash="t", state="queued")
    PipelineRun.objects.create(kind="l2", night=nights["past"], phase="failed", error_summary="ISSP-RUN-BROKE")
    PipelineRun.objects.create(kind="l2", night=ext_night, phase="failed", error_summary="EXT-RUN-BROKE")
    cal = Calibrator.objects.first()
    CalibratorFlag.objects.create(calibrator=cal, kind="suspect", active=True, comment="bad (binarity?): chi2",
                                  state="proposed", night=nights["past"].date)
    decided = Calibrator.objects.exclude(pk=cal.pk).first()
    CalibratorFlag.objects.create(calibrator=decided, kind="suspect", active=True, state="confirmed")
    return {"today": today, "nights": nights, "calibrator": cal, "decided": decided}


def test_login_lands_on_the_desk(client, demo):
    response = client.post(reverse("account_login"), {"login": "operator", "password": "issp-demo-2024"})
    assert response.status_code == 302 and response["Location"] == reverse("surveys:desk")
    assert client.get("/")["Location"] == reverse("surveys:desk")
    client.logout()
    assert client.get("/").status_code == 200  # anonymous visitors keep the public home page
    assert client.get(reverse("surveys:desk")).status_code == 302


def test_operator_desk_shows_nights_queue_and_only_their_failures(client, demo, live):
    client.force_login(demo["operator"])
    body = client.get(reverse("surveys:desk")).content.decode()
    tonight = body.split('id="desk-tonight"')[1].split("</div>")[0]
    assert live["today"].isoformat() in tonight and "1 for tonight" in tonight
    assert (live["today"] + dt.timedelta(days=2)).isoformat() in body.split('id="desk-next"')[1].split("</div>")[0]
    past = body.split('id="desk-past"')[1].split("</table>")[0]
    assert (live["today"] - dt.timedelta(days=3)).isoformat() in past and ">observed<" in past  # portal.story
    failed = body.split('id="desk-failed-obs"')[1].split("</table>")[0]
    assert "OB-ISSP-FAILED" in failed and "OB-EXT-FAILED" not in failed
    runs = body.split('id="desk-failed-runs"')[1].split("</table>")[0]
    assert "ISSP-RUN-BROKE" in runs and "EXT-RUN-BROKE" not in runs
    suspects = body.split('id="desk-suspects"')[1].split("</table>")[0]
    assert live["calibrator"].name in suspects and live["decided"].name not in suspects  # decided: not waiting
    assert 'id="desk-awaiting"' not in body  # operators do not validate
    assert "issp" in body.split('id="desk-programs"')[1] and "Operator" in body


def test_member_and_external_pi_see_no_operations_of_others(client, demo, live):
    client.force_login(demo["coi_issp"])
    body = client.get(reverse("surveys:desk")).content.decode()
    assert 'id="desk-failed-obs"' not in body and 'id="desk-awaiting"' not in body
    assert "OB-EXT-FAILED" not in body and "EXT-RUN-BROKE" not in body
    client.force_login(demo["pi_ext"])
    body = client.get(reverse("surveys:desk")).content.decode()
    assert 'id="desk-awaiting"' in body  # a PI validates
    assert "ISSP-RUN-BROKE" not in body and "OB-ISSP-FAILED" not in body
    assert "0 for tonight" in body  # tonight's queued OB is ISSP's


def test_night_page_tables_sort_and_show_only_obs_of_the_viewers_programs(client, demo, live):
    past = live["nights"]["past"].date.isoformat()
    client.force_login(demo["operator"])
    url = reverse("surveys:night-detail", args=[past])
    queue = client.get(url).content.decode().split('id="ob-queue"')[1].split("</table>")[0]
    assert "OB-ISSP-FAILED" in queue and "OB-EXT-FAILED" not in queue
    client.force_login(demo["admin"])
    for order, first, second in (("name", "OB-EXT-FAILED", "OB-ISSP-FAILED"),
                                 ("-name", "OB-ISSP-FAILED", "OB-EXT-FAILED")):
        queue = client.get(url, {"obsort": order}).content.decode().split('id="ob-queue"')[1].split("</table>")[0]
        assert queue.index(first) < queue.index(second)
