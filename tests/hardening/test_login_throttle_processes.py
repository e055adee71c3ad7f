"""Login throttling holds across processes: two gunicorn servers on one database share one counter.

Every login form (the portal's /accounts/login/, /admin/login/, the ORCID sign-in start) counts in
allauth's limits (ACCOUNT_RATE_LIMITS) kept in the shared cache, the database cache or Redis. With a
per-process cache each server would allow its own 5 tries: here the failures are spread over two
servers, and the try after the limit is refused on either one, right password or not.
"""
from __future__ import annotations

import os
import shutil

import pytest
import requests

from tests.hardening.services import TempRedis, WebServer, manage, migrate

pytestmark = [pytest.mark.slow]

PASSWORD = "right-password-1234"
TOO_MANY = "Too many failed login attempts"
USER = ("from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser('root', 'root@example.org', '{PASSWORD}')")


@pytest.fixture(params=["database", "redis"])
def servers(request, tmp_path):
    env = {**os.environ, "DEBUG": "true", "CELERY_BROKER_URL": "", "REDIS_URL": "", "CACHE_URL": "",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "ARCHIVE_ROOT": str(tmp_path / "archive"),
           "ORCID_CLIENT_ID": "APP-ISSP", "ORCID_SECRET": "orcid-secret", "ORCID_BASE_URL": "http://127.0.0.1:9"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    redis = None
    if request.param == "redis":
        if shutil.which("redis-server") is None:
            if os.environ.get("CI"):
                pytest.fail("CI requires redis-server")
            pytest.skip("redis-server not installed")
        redis = TempRedis()
        redis.start()
        env["REDIS_URL"] = redis.url
    migrate(env)  # creates the database cache's table too
    manage("shell", "-c", USER, env=env)
    pair = []
    try:
        pair = [WebServer(env), WebServer(env)]
        yield pair
    finally:
        for server in pair:
            server.stop()
        if redis is not None:
            redis.destroy()


def _post(server: WebServer, session: requests.Session, path: str, data: dict) -> requests.Response:
    session.get(server.url + path, timeout=30)  # the form page sets the CSRF cookie
    return session.post(server.url + path, data={**data, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                        headers={"Referer": server.url + path}, allow_redirects=False, timeout=30)


def _portal(server, session, password):
    return _post(server, session, "/accounts/login/", {"login": "root", "password": password})


def _admin(server, session, password):
    return _post(server, session, "/admin/login/?next=/admin/", {"username": "root", "password": password})


def test_the_try_after_the_limit_is_refused_on_either_process(servers):
    one, two = servers
    assert _portal(one, requests.Session(), PASSWORD).status_code == 302  # a good login is not counted
    assert _admin(two, requests.Session(), PASSWORD).status_code == 302
    attempts = [(_portal, one), (_admin, two), (_portal, one), (_admin, two), (_portal, one)]  # 5 per account
    for i, (form, server) in enumerate(attempts):
        answer = form(server, requests.Session(), f"wrong-{i}")
        assert answer.status_code == 200 and TOO_MANY not in answer.text, (i, answer.status_code)
    for form, server in ((_admin, two), (_portal, one)):  # the 6th: refused, with the right password
        answer = form(server, requests.Session(), PASSWORD)
        assert answer.status_code == 200 and TOO_MANY in answer.text, answer.text[:500]

    # The ORCID sign-in start counts in the same per-IP `login` limit (30/m) as the portal form's POSTs.
    portal_posts = 1 + 3 + 1  # the good one, the three wrong ones, the refused one
    started, refused_on = 0, None
    for i in range(40):
        server = (one, two)[i % 2]
        answer = _post(server, requests.Session(), "/accounts/orcid/login/", {"process": "login"})
        if answer.status_code == 429:
            refused_on = server
            break
        assert answer.status_code == 302 and answer.headers["Location"].startswith("http://127.0.0.1:9/oauth/")
        started += 1
    assert started == 30 - portal_posts and refused_on is not None, (started, refused_on)


@pytest.fixture
def root(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.mark.parametrize("login", ["root", "ROOT@example.org"], ids=["username", "email"])
def test_another_port_in_the_host_header_or_the_email_does_not_start_a_fresh_count(root, login):
    """The failed-login counter was keyed by Host:port (allauth without django.contrib.sites): five
    tries per port, so `Host: testserver:1`, `:2`... (or the second of two servers) had its own five."""
    from django.test import Client

    for port in range(1, 6):
        Client(HTTP_HOST=f"testserver:{port}").post("/accounts/login/", {"login": login, "password": "wrong"})
    client = Client(HTTP_HOST="testserver:6")
    answer = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert "_auth_user_id" not in client.session and TOO_MANY in answer.content.decode()
