"""E-mail notifications: recipients by role, preferences, once per event, the access policy, unsubscribe, digest."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from archive.services import product_version_create
from notifications import services
from notifications.models import Delivery, EventKind, Preference
from notifications.tasks import notification_send_task
from surveys.models import Night, Program, ProgramRole, Target
from tests.obs_server.conftest import SPICA_OBXML, a2p2_dict, make_ob

pytestmark = pytest.mark.django_db
L2 = EventKind.L2_AWAITS_VALIDATION
OIFITS = Path(__file__).resolve().parent.parent / "data" / "oifits"
SAMPLE = OIFITS / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits"
SAMPLE2 = OIFITS / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-13.fits"


@pytest.fixture
def world(db):
    """Program p1 with a PI, a data manager, a co-I and an operator; outsiders with no role on p1."""
    User = get_user_model()

    def user(name, **kw):
        return User.objects.create_user(name, email=f"{name}@example.org", password="x", **kw)

    u = {n: user(n) for n in ("pi", "dm", "coi", "op", "dm_other", "stranger")}
    p1 = Program.objects.create(code="p1", title="P1", pi=u["pi"])
    p2 = Program.objects.create(code="p2", title="P2")
    for name, role, prog in (("pi", "pi", p1), ("dm", "data_manager", p1), ("coi", "member", p1),
                             ("op", "operator", p1), ("dm_other", "data_manager", p2)):
        ProgramRole.objects.create(user=u[name], program=prog, role=role)
    target = Target.objects.create(name="zet Oph", ra_deg=249.29, dec_deg=-10.57)
    night = Night.objects.create(date=dt.date(2023, 5, 12), status="observed")
    product_version_create(calib_level=1, kind="oifits", program=p1, target=target, night=night, instrument="SPICA",
                           setup="SPICA/MR", filename="l1.fits", source_path=SAMPLE, key="L1/test", t_max=60076.3)
    return {"users": u, "p1": p1, "p2": p2, "target": target, "night": night}


def _l2(world, capture, *, source=SAMPLE, quality_flag=None):
    """A new L2 version of p1, announced as the calibration hand-off does (notify_later, run on commit)."""
    with capture(execute=True):
        version, created = product_version_create(
            calib_level=2, kind="oifits", program=world["p1"], target=world["target"], night=world["night"],
            instrument="SPICA", setup="SPICA/MR", filename=source.name, source_path=source,
            key=f"L2/test/{source.stem}", t_max=60076.3, quality_flag=quality_flag)
        assert created
        services.notify_later(kind=L2, object_id=version.pk)
    return version


def _to(outbox) -> list[str]:
    return sorted(m.to[0].split("@")[0] for m in outbox)


def _link(message, label: str) -> str:
    return re.search(rf"{label}.*?(http://\S+)", message.body).group(1)


def test_l2_awaiting_validation_mails_pi_and_data_manager_with_subject_and_link(
        world, django_capture_on_commit_callbacks, client):
    version = _l2(world, django_capture_on_commit_callbacks)
    assert _to(mail.outbox) == ["dm", "pi"]
    m = mail.outbox[0]
    assert m.subject == "[ISSP] L2 awaits validation: zet Oph 2023-05-12 (p1)"
    assert m.from_email == "issp-portal@localhost"
    link = _link(m, "Open:")
    assert link == f"http://127.0.0.1:8000/archive/versions/{version.pk}/"
    html, mime = m.alternatives[0]
    assert mime == "text/html" and f'href="{link}"' in html
    assert m.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    client.force_login(world["users"]["pi"])  # the link opens the version's review page
    page = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200 and SAMPLE.name in page.content.decode()


def test_not_sent_to_a_user_who_switched_it_off(world, django_capture_on_commit_callbacks):
    services.preferences_set(user=world["users"]["dm"], enabled={L2: False}, daily_digest=False)
    _l2(world, django_capture_on_commit_callbacks)
    assert _to(mail.outbox) == ["pi"]
    services.preferences_set(user=world["users"]["dm"], enabled={L2: True}, daily_digest=False)
    _l2(world, django_capture_on_commit_callbacks, source=SAMPLE2)
    assert _to(mail.outbox) == ["dm", "pi", "pi"]


def test_never_sent_twice_for_the_same_version(world, django_capture_on_commit_callbacks):
    version = _l2(world, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):  # the hand-off fires again, the task is redelivered
        services.notify_later(kind=L2, object_id=version.pk)
    notification_send_task.apply(args=[L2, version.pk, ""])
    services.event_notify(kind=L2, object_id=version.pk)
    assert len(mail.outbox) == 2
    assert Delivery.objects.filter(kind=L2, key=f"version:{version.pk}").count() == 2


def test_an_outsider_never_gets_one(world, django_capture_on_commit_callbacks, spica_payload_p1):
    """No role on p1 (a data manager of another program, a user with no role) -> no mail of p1's data."""
    from obs_server import queue_services

    _l2(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_later(kind=EventKind.NIGHT_REDUCED, object_id=world["night"].pk, tag="run-1")
        ob = make_ob("p1", spica_payload_p1, user=world["users"]["pi"])
        queue_services.ob_transition(ob_id=ob.pk, to_state="claimed", client="c1")
        queue_services.ob_transition(ob_id=ob.pk, to_state="failed", client="c1", reason="lost fringes")
    by_kind = {}
    for m in mail.outbox:
        by_kind.setdefault(m.subject.split(":")[0].split(" 20")[0], []).append(m.to[0].split("@")[0])
    assert sorted(by_kind["[ISSP] L2 awaits validation"]) == ["dm", "pi"]
    assert sorted(by_kind["[ISSP] Night"]) == ["coi", "dm", "pi"]
    assert sorted(by_kind["[ISSP] OB failed"]) == ["coi", "pi"]
    everyone = {to for tos in by_kind.values() for to in tos}
    assert not everyone & {"dm_other", "stranger", "op"}
    ob_mail = next(m for m in mail.outbox if m.subject.startswith("[ISSP] OB failed"))
    assert "lost fringes" in ob_mail.body and f"/ob/{ob.pk}/" in ob_mail.body


def test_the_access_policy_is_asked_per_recipient(world, django_capture_on_commit_callbacks, monkeypatch):
    """A recipient by role whom the policy refuses (e.g. a rule added later) gets nothing."""
    from notifications import events
    from surveys.embargo import Decision

    real = events.product_access
    monkeypatch.setattr(events, "product_access", lambda *, user, product: Decision(False, "refused")
                        if user.username == "dm" else real(user=user, product=product))
    _l2(world, django_capture_on_commit_callbacks)
    assert _to(mail.outbox) == ["pi"]
    assert not Delivery.objects.filter(user=world["users"]["dm"]).exists()


def test_a_reviewed_version_is_not_announced(world, django_capture_on_commit_callbacks):
    _l2(world, django_capture_on_commit_callbacks, quality_flag=4)
    assert mail.outbox == []


def test_unsubscribe_link_switches_the_kind_off_without_login(world, django_capture_on_commit_callbacks, client):
    _l2(world, django_capture_on_commit_callbacks)
    m = next(m for m in mail.outbox if m.to == ["dm@example.org"])
    link = _link(m, "Stop e-mails of this kind")
    assert m.extra_headers["List-Unsubscribe"] == f"<{link}>"
    path = link.removeprefix("http://127.0.0.1:8000")
    tampered = path.replace(path.rstrip("/")[-6:], "AAAAAA")
    assert client.get(tampered).status_code == 400
    assert not Preference.objects.filter(user=world["users"]["dm"]).exists()
    page = client.get(path)  # anonymous: no login needed; a GET (a link scanner, a preview) only asks
    assert page.status_code == 200 and "An L2 version awaits validation" in page.content.decode()
    assert "Stop these e-mails?" in page.content.decode()
    assert not Preference.objects.filter(user=world["users"]["dm"]).exists()
    done = client.post(path)  # the page's button, or RFC 8058 one-click POST from a mail client
    assert done.status_code == 200 and "Switched off" in done.content.decode()
    assert Preference.objects.get(user=world["users"]["dm"], kind=L2).enabled is False
    assert client.post(path).status_code == 200  # idempotent
    mail.outbox.clear()
    _l2(world, django_capture_on_commit_callbacks, source=SAMPLE2)
    assert _to(mail.outbox) == ["pi"]


def test_settings_page_saves_each_kind_and_the_digest(world, client):
    dm = world["users"]["dm"]
    assert client.get(reverse("notifications:settings")).status_code == 302  # login required
    client.force_login(dm)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert page.count('type="checkbox" name="kind_') == 4 and page.count(" checked") == 4
    kept = {f"kind_{k}": "on" for k in EventKind.values if k != EventKind.OB_OUTCOME}
    response = client.post(reverse("notifications:settings"), {**kept, "daily_digest": "on"}, follow=True)
    assert "saved" in response.content.decode()
    assert dict(Preference.objects.filter(user=dm).values_list("kind", "enabled"))[EventKind.OB_OUTCOME] is False
    assert dm.mail_options.daily_digest is True


def test_daily_digest_holds_then_sends_one_mail_and_rechecks_roles(world, django_capture_on_commit_callbacks):
    u = world["users"]
    services.preferences_set(user=u["dm"], enabled={}, daily_digest=True)
    services.preferences_set(user=u["coi"], enabled={}, daily_digest=True)
    _l2(world, django_capture_on_commit_callbacks)
    _l2(world, django_capture_on_commit_callbacks, source=SAMPLE2)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_later(kind=EventKind.NIGHT_REDUCED, object_id=world["night"].pk, tag="run-1")
    assert _to(mail.outbox) == ["pi", "pi", "pi"]  # dm's three and coi's one are held
    assert Delivery.objects.filter(sent_at__isnull=True).count() == 4
    ProgramRole.objects.filter(user=u["coi"]).delete()  # coi left the program before the digest
    mail.outbox.clear()
    assert services.digest_send() == 1
    (digest,) = mail.outbox
    assert digest.to == ["dm@example.org"] and digest.subject == "[ISSP] Daily digest: 3 event(s)"
    assert digest.body.count("Open: http://127.0.0.1:8000/") == 3
    assert digest.body.count("/account/notifications/unsubscribe/") == 3
    assert Delivery.objects.get(user=u["coi"]).dropped == "role no longer held"
    assert services.digest_send() == 0 and len(mail.outbox) == 1


def test_suspect_calibrator_goes_to_those_who_decide_flags(world, django_capture_on_commit_callbacks):
    from surveys.models import Calibrator, CalibratorFlag
    from surveys.services import calibrator_flag_create

    staff = get_user_model().objects.create_user("staff", email="staff@example.org", is_staff=True)
    cal = Calibrator.objects.create(name="HD 1", ra_deg=1.0, dec_deg=2.0, udd_r=0.3)
    with django_capture_on_commit_callbacks(execute=True):
        flag = calibrator_flag_create(calibrator=cal, kind=CalibratorFlag.Kind.SUSPECT, declared_by=None,
                                      proposed_on=dt.date(2023, 5, 12), comment="closure phase chi2 12")
        services.notify_later(kind=EventKind.SUSPECT_CALIBRATOR, object_id=flag.pk)
    assert _to(mail.outbox) == ["dm", "dm_other", "staff"]
    assert mail.outbox[0].subject == "[ISSP] Suspect calibrator proposed: HD 1 (2023-05-12)"
    assert f"/calibrators/{cal.pk}/" in mail.outbox[0].body and "closure phase chi2 12" in mail.outbox[0].body
    assert staff.notifications.count() == 1


def test_unknown_kind_is_refused_by_name(world):
    with pytest.raises(ValueError, match="unknown notification kind 'nope'"):
        services.notify_later(kind="nope", object_id=1)
    with pytest.raises(ValueError, match="nope"):
        services.preferences_set(user=world["users"]["pi"], enabled={"nope": True}, daily_digest=False)


@pytest.fixture
def spica_payload_p1() -> dict:
    return a2p2_dict(SPICA_OBXML)


def test_a_mail_server_error_records_nothing_so_a_retry_sends(world, django_capture_on_commit_callbacks,
                                                              monkeypatch):
    """The Delivery row and the send are one transaction: a refused send leaves no 'sent' record behind."""
    import smtplib

    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages
    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, msgs: (_ for _ in ()).throw(
        smtplib.SMTPServerDisconnected("gone")))
    version = _l2(world, django_capture_on_commit_callbacks)  # in-process mode: logged, the hand-off goes on
    assert mail.outbox == [] and not Delivery.objects.exists()
    monkeypatch.setattr(EmailBackend, "send_messages", real)
    notification_send_task.apply(args=[L2, version.pk, ""])  # what the worker's retry does
    assert _to(mail.outbox) == ["dm", "pi"]
