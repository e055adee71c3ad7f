import os

import pytest

from issp_portal.tasks import ping


def test_ping_runs_in_process_without_broker(settings):
    if settings.CELERY_BROKER_URL:
        pytest.skip("a broker is configured: the eager path is tested on the embedded default")
    result = ping.delay("hello")
    assert result.get(timeout=5)["echo"] == "hello"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_ping_round_trip_goes_through_redis_to_a_real_worker(celery_worker_process, celery_live, settings):
    import redis

    result = ping.apply_async(args=["through-redis"])
    answer = result.get(timeout=30)
    assert answer["echo"] == "through-redis"
    # The worker is another process: the answer carries its pid, not ours.
    assert answer["pid"] != os.getpid()
    # And the result really sits in Redis under Celery's key.
    r = redis.Redis.from_url(settings.CELERY_RESULT_BACKEND)
    assert r.exists(f"celery-task-meta-{result.id}") == 1
