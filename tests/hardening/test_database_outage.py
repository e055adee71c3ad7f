"""PostgreSQL restarted under a running web server: clear 503s, then recovery without restart."""
import os

import pytest

from tests.hardening.services import TempPostgres, WebServer, manage, pg_bin

pytestmark = [pytest.mark.slow]


@pytest.fixture
def private_postgres():
    if pg_bin("initdb") is None:
        if os.environ.get("CI"):
            pytest.fail("CI requires PostgreSQL server binaries (initdb)")
        pytest.skip("PostgreSQL server binaries (initdb) not installed")
    pg = TempPostgres()
    pg.start()
    yield pg
    pg.destroy()


def test_web_answers_503_during_outage_and_recovers(private_postgres, tmp_path):
    env = {**os.environ, "DATABASE_URL": private_postgres.url, "CELERY_BROKER_URL": "", "DEBUG": "true",
           "ARCHIVE_ROOT": str(tmp_path / "archive"), "CONN_MAX_AGE": "60"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    manage("migrate", "--noinput", env=env)
    web = WebServer(env)
    try:
        assert web.get("/healthz").status_code == 200
        assert web.get("/").status_code == 200

        private_postgres.stop()
        health = web.get("/healthz")
        assert health.status_code == 503
        assert health.json()["failing"] == ["database"]
        page = web.get("/")
        assert page.status_code == 503
        assert "database is unavailable" in page.text
        api = web.get("/api/v1/schema/", headers={"Accept": "application/json"})
        assert api.status_code in (200, 503)  # the schema needs no database; it must not be a 500

        private_postgres.start()
        assert web.get("/healthz").status_code == 200
        assert web.get("/").status_code == 200
        assert web.proc.poll() is None  # same process, no restart
    finally:
        web.stop()
