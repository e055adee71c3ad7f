"""Real worker (Redis broker, the test database): L2 calibration on the worker hands each new version to
`notifications.send` after commit, and the worker e-mails the reviewers once (filebased backend)."""
from __future__ import annotations

import email
import time
from email import policy

import pytest

from django.contrib.auth import get_user_model

from archive.models import ProductVersion
from notifications.models import Delivery, EventKind
from pipelines.models import PipelineRun
from surveys.models import Program, ProgramRole


def _mails(folder) -> list[email.message.EmailMessage]:
    out = []
    for path in sorted(folder.glob("*.log")) if folder.exists() else []:
        for chunk in path.read_text().split("-" * 79 + "\n"):  # the filebased backend's separator
            if chunk.strip():
                out.append(email.message_from_string(chunk, policy=policy.default))
    return out


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_l2_on_a_real_worker_mails_the_reviewers_once(celery_worker_process, celery_live, tmp_path):
    from pipelines.calibration.services import night_calibrate_if_complete
    from tests.calibration.conftest import register_night

    night, _, _ = register_night(tmp_path, n_files=8)
    program = Program.objects.get(kind="survey") if Program.objects.filter(kind="survey").exists() else \
        Program.objects.get(code="ISSP")
    User = get_user_model()
    pi = User.objects.create_user("w_pi", email="w_pi@example.org")
    dm = User.objects.create_user("w_dm", email="w_dm@example.org")
    outsider = User.objects.create_user("w_out", email="w_out@example.org")
    Program.objects.filter(pk=program.pk).update(pi=pi)
    ProgramRole.objects.create(user=dm, program=program, role="data_manager")
    ProgramRole.objects.create(user=outsider, program=Program.objects.create(code="other", title="Other"),
                               role="data_manager")
    mail_dir = celery_worker_process["mail_dir"]
    before = {m["Message-ID"] for m in _mails(mail_dir)}

    runs = night_calibrate_if_complete(night=night)  # autocommit: the tasks go to Redis at once
    assert runs
    deadline = time.time() + 180
    while time.time() < deadline:
        done = PipelineRun.objects.filter(pk__in=[r.pk for r in runs], phase__in=["completed", "failed"]).count()
        n_l2 = ProductVersion.objects.filter(product__calib_level=2, product__night=night).count()
        if done == len(runs) and Delivery.objects.filter(
                kind=EventKind.L2_AWAITS_VALIDATION, sent_at__isnull=False).count() >= 2 * n_l2 > 0:
            break
        time.sleep(0.5)
    assert done == len(runs), celery_worker_process["log"]
    versions = list(ProductVersion.objects.filter(product__calib_level=2, product__night=night))
    assert len(versions) == 4
    new = [m for m in _mails(mail_dir) if m["Message-ID"] not in before]
    l2_mails = [m for m in new if m["Subject"].startswith("[ISSP] L2 awaits validation")]
    assert sorted(m["To"] for m in l2_mails) == ["w_dm@example.org"] * 4 + ["w_pi@example.org"] * 4
    assert not [m for m in new if m["To"] == "w_out@example.org"]
    for v in versions:
        body = [m for m in l2_mails if f"/archive/versions/{v.pk}/" in m.get_body(("plain",)).get_content()]
        assert len(body) == 2 and all(v.product.target.name in m["Subject"] for m in body)
    assert all(m.get_body(("html",)) is not None for m in l2_mails)
