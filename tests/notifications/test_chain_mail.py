"""The whole chain (demo night: ingest -> L1 -> L2) e-mails the people concerned, and no one else."""
from __future__ import annotations

from collections import Counter

import pytest

from django.core import mail

from archive.models import ProductVersion
from notifications.models import Delivery


@pytest.mark.django_db
def test_demo_night_mails_reviewers_and_members_never_outsiders(demo, django_capture_on_commit_callbacks):
    from demo import ingest as pipelines_demo

    with django_capture_on_commit_callbacks(execute=True):
        summary = pipelines_demo.load()
    night = summary["night"].isoformat() if hasattr(summary["night"], "isoformat") else str(summary["night"])
    l2 = ProductVersion.objects.filter(product__calib_level=2, product__night__date=summary["night"])
    n_l2 = l2.count()
    assert n_l2 >= 2
    got = Counter((m.to[0], m.subject.split(":")[0]) for m in mail.outbox)
    assert got == {
        ("pi_issp@example.org", "[ISSP] L2 awaits validation"): n_l2,
        ("datamanager@example.org", "[ISSP] L2 awaits validation"): n_l2,
        ("pi_issp@example.org", f"[ISSP] Night {night} reduced (L1 complete)"): 1,
        ("coi_issp@example.org", f"[ISSP] Night {night} reduced (L1 complete)"): 1,
        ("datamanager@example.org", f"[ISSP] Night {night} reduced (L1 complete)"): 1,
    }
    # Each L2 version is announced once per reviewer, with the link to its own review page.
    for v in l2:
        mails = [m for m in mail.outbox if f"/archive/versions/{v.pk}/" in m.body]
        assert sorted(m.to[0] for m in mails) == ["datamanager@example.org", "pi_issp@example.org"]
        assert all(v.product.target.name in m.subject for m in mails)
    assert Delivery.objects.filter(sent_at__isnull=False).count() == len(mail.outbox)


@pytest.mark.django_db
def test_a_suspect_calibrator_from_l2_calibration_mails_who_decides_once(django_capture_on_commit_callbacks,
                                                                         no_l3_refits):
    """The showcase night's binary calibrator becomes a proposed flag (_flag_suspects): staff and data
    managers are told once, even when the night is calibrated again; a co-I is not told."""
    from django.contrib.auth import get_user_model

    from demo import calibration as calibration_demo
    from surveys.models import CalibratorFlag, Program, ProgramRole

    User = get_user_model()
    other = Program.objects.create(code="other", title="Other")
    ProgramRole.objects.create(user=User.objects.create_user("dm", email="dm@example.org"), program=other,
                               role="data_manager")
    ProgramRole.objects.create(user=User.objects.create_user("coi", email="coi@example.org"), program=other,
                               role="member")
    User.objects.create_user("boss", email="boss@example.org", is_staff=True)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            calibration_demo.load()
    flag = CalibratorFlag.objects.get(calibrator__name="HD_200004", kind="suspect")
    suspects = [m for m in mail.outbox if m.subject.startswith("[ISSP] Suspect calibrator proposed")]
    assert sorted(m.to[0] for m in suspects) == ["boss@example.org", "dm@example.org"]
    assert all("HD_200004" in m.subject and f"/calibrators/{flag.calibrator_id}/" in m.body for m in suspects)
    assert not [m for m in mail.outbox if m.to == ["coi@example.org"]]
