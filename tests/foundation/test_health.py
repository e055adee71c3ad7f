import json

import pytest

from django.db import OperationalError
from django.test import override_settings

import issp_portal


@pytest.mark.django_db
def test_healthz_reports_database_and_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == issp_portal.__version__
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_names_the_failing_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["ok"] is False


@pytest.mark.django_db
def test_healthz_names_the_failing_database(client, monkeypatch):
    from issp_portal import health

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["failing"] == ["database"]


@pytest.mark.django_db
def test_home_page_lists_demo_programs(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    assert b"issp" in response.content and b"ext-mystic-yso" in response.content


@pytest.mark.django_db
def test_admin_login_works_for_demo_admin(client, demo):
    from demo.survey import DEMO_PASSWORD

    assert client.login(username="admin", password=DEMO_PASSWORD)
    for url in ["/admin/", "/admin/surveys/target/", "/admin/surveys/calibrator/?q=HD",
                "/admin/obs_server/observingblock/", "/admin/archive/productversion/"]:
        assert client.get(url).status_code == 200, url
