"""Fault test with a real Celery worker: OiDB is down while 50 products are validated, then comes back."""
from __future__ import annotations

import time

import pytest

from archive.models import OutboxMessage
from archive.oifits_write import synthetic_oifits2, to_bytes
from archive.services import product_version_create
from archive.standins.oidb import OidbStandin
from archive.validation import version_validate

N = 50


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_fifty_granules_arrive_exactly_once_after_an_outage(demo, settings, celery_worker_process, celery_live):
    from astropy.time import Time

    from surveys.models import Program

    server = OidbStandin(users=None).start()  # the worker has no OiDB credentials in its environment
    settings.ARCHIVE_PUSH_ENABLED, settings.ARCHIVE_OIDB_URL = True, server.url
    server.stop()  # OiDB goes down before anything is validated
    program = Program.objects.get(code="issp")
    targets = list(program.targets.order_by("name")[:N]) or []
    content = to_bytes(synthetic_oifits2(n_wave=3))
    mjd = Time.now().mjd - 5
    for i in range(N):
        target = targets[i % len(targets)]
        version, _ = product_version_create(
            calib_level=2, kind="oifits", program=program, target=target, instrument="SPICA", setup=f"MR{i:03d}",
            filename=f"l2_{i}.fits", content=content, t_min=mjd, t_max=mjd + 0.01, check=True)
        version_validate(version=version, reviewer=demo["datamanager"], flag=4, comment=f"batch {i}")
    assert OutboxMessage.objects.count() == N
    _wait(lambda: not OutboxMessage.objects.filter(attempts=0).exists(), 120, "the worker to try every message")
    assert OutboxMessage.objects.filter(state="pending").count() == N
    server.start()  # same port, same (empty) store
    try:
        _wait(lambda: OutboxMessage.objects.filter(state="sent").count() == N, 180, "all messages to be sent")
        assert server.store.count() == N
        assert [m for m, _ in server.store.requests].count("POST") == N
        assert len({g["obs_id"] for g in server.store.granules.values()}) == N
        assert OutboxMessage.objects.filter(attempts__gte=2).count() == N  # each failed at least once
    finally:
        server.stop()
