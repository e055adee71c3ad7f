"""Claim-next under contention on PostgreSQL: 8 clients, 500 claims, no OB twice, none lost."""
from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from django.db import connection
from django.utils import timezone

from obs_server import observability, queue_services
from obs_server.models import ObservingBlock
from surveys.models import Program

N_OBS, N_CLIENTS = 500, 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_clients_500_claims_no_duplicate_none_lost(demo, spica_payload):
    program = Program.objects.get(code="issp")
    ObservingBlock.objects.bulk_create([
        ObservingBlock(program=program, name=f"ob-{i}", instrument="SPICA", mode="MR720", stations="S1-S2",
                       payload=spica_payload, content_hash=f"{i:064d}", state="queued",
                       ra_deg=(i * 0.72) % 360, dec_deg=20 + i % 40, ha_min=-3.5, ha_max=3.5)
        for i in range(N_OBS)
    ])
    staff = demo["admin"]
    night_date = observability.night_date(timezone.now())
    claimed: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(name: str) -> None:
        try:
            while True:
                entry = queue_services.ob_claim_next(user=staff, client=name, night_date=night_date)
                if entry is None:
                    return
                with lock:
                    claimed.append((name, entry.ob.pk))
        except BaseException as exc:  # surface thread failures in the test
            errors.append(exc)
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(f"acq-{i}",)) for i in range(N_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.perf_counter() - started
    assert not errors, errors
    ids = [pk for _, pk in claimed]
    assert len(ids) == N_OBS and len(set(ids)) == N_OBS  # none twice, none lost
    assert ObservingBlock.objects.filter(state="claimed").count() == N_OBS
    per_client = Counter(name for name, _ in claimed)
    assert len(per_client) >= 2  # the claims really were concurrent
    rows = ObservingBlock.objects.values_list("pk", "claimed_by")
    assert dict(rows) == {pk: name for name, pk in claimed}  # the DB agrees with what each client received
    assert elapsed < 120, f"{N_OBS} claims took {elapsed:.1f} s"
    print(f"{N_OBS} claims by {N_CLIENTS} clients in {elapsed:.2f} s: {dict(per_client)}")
