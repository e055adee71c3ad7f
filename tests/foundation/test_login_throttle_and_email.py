"""Every login form is throttled through one shared cache; production refuses to run without e-mail.

Findings: 30 wrong passwords at /admin/login/ and then the right one logged in; allauth's limit
lived in a per-process cache; password-reset links went to the log with DEBUG=false.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client

from tests.conftest import ROOT

PASSWORD = "right-password-1234"


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)


def _admin_login(client: Client, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": "root", "password": password})


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_admin_login_is_throttled(admin_user):
    client = Client()
    for i in range(30):
        assert _admin_login(client, f"wrong-{i}").status_code == 200
        assert not _logged_in(client)
    response = _admin_login(client, PASSWORD)
    assert not _logged_in(client), "30 wrong passwords, then the right one logged in"
    assert "Too many failed login attempts" in response.content.decode()


def test_a_good_admin_login_is_not_counted_and_one_mistake_is_forgiven(admin_user):
    for _ in range(4):  # 4 failures + 4 successes: within 5 per account unless successes counted
        client = Client()
        _admin_login(client, "one-typo")
        response = _admin_login(client, PASSWORD)
        assert response.status_code == 302 and _logged_in(client)


def test_portal_and_admin_forms_share_one_counter(admin_user):
    portal = Client()
    for i in range(5):
        portal.post("/accounts/login/", {"login": "root", "password": f"wrong-{i}"})
    admin = Client()
    _admin_login(admin, PASSWORD)
    assert not _logged_in(admin), "failures at /accounts/login/ must count at /admin/login/ too"
    again = portal.post("/accounts/login/", {"login": "root", "password": PASSWORD})
    assert not _logged_in(portal) and "too many" in again.content.decode().lower()


def test_the_cache_is_shared_between_workers(admin_user):
    """The throttle's counter lives in a cache every process sees (database or Redis, never locmem)."""
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend.endswith(("db.DatabaseCache", "redis.RedisCache")), backend
    client = Client()
    for i in range(5):
        _admin_login(client, f"wrong-{i}")
    cache = caches["default"]
    if backend.endswith("DatabaseCache"):  # the counters are rows another worker reads
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {settings.CACHES['default']['LOCATION']}")
            assert cursor.fetchone()[0] >= 1
    else:
        client_ = cache._cache.get_client()
        assert any(True for _ in client_.scan_iter(f"{cache.key_prefix}:*"))


def _check(env: dict, *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("EMAIL_", "CACHE_", "REDIS_", "DJANGO_ALLOW"))}
    base.update({"DEBUG": "false", "SECRET_KEY": "s" * 30 + "-production-like-secret-key-0123456789abcdef",
                 "ALLOWED_HOSTS": "issp.example.org", "DATABASE_URL": "sqlite:////tmp/issp-deploy-check.sqlite3"})
    base.update(env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", *args], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("env,code", [
    ({}, "issp.E003"),
    ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "issp.E001"),
    ({"EMAIL_HOST": "smtp.example.org", "CACHE_URL": "locmemcache://"}, "issp.E004"),
    ({"EMAIL_HOST": "smtp.example.org", "SECRET_KEY": "short-key"}, "issp.E005"),
    ({"EMAIL_HOST": "smtp.example.org", "ALLOWED_HOSTS": ""}, "issp.E006"),
])
def test_check_deploy_fails_without_email_or_shared_cache(env, code):
    proc = _check(env)
    assert proc.returncode != 0 and code in proc.stdout + proc.stderr, proc.stdout + proc.stderr


@pytest.mark.parametrize("env", [{"EMAIL_HOST": "smtp.example.org"}, {"EMAIL_DISABLED": "true"}])
def test_check_deploy_passes_with_smtp_or_an_explicit_opt_out(env):
    proc = _check(env, "--fail-level", "WARNING")
    assert proc.returncode == 0, proc.stdout + proc.stderr
