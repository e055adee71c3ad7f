"""Project wiring: migrations complete, deploy checks, docker-compose sanity."""
import importlib
import os
import subprocess
import sys
from pathlib import Path

import yaml

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_no_missing_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_check_deploy_is_clean_with_production_env():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "issp.example.org",
        "DATABASE_URL": "sqlite:////tmp/issp-deploy-check.sqlite3",
        "EMAIL_HOST": "smtp.example.org",
    }
    proc = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_debug_off_without_secret_key_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DEBUG"] = "false"
    proc = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "SECRET_KEY must be set" in proc.stderr


def test_compose_services_name_modules_that_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    commands = {name: " ".join(s["command"]) if isinstance(s.get("command"), list) else s.get("command", "")
                for name, s in services.items()}
    assert "issp_portal.wsgi:application" in commands["web"]
    importlib.import_module("issp_portal.wsgi")
    for name in ("worker", "beat"):
        assert "-A issp_portal" in commands[name]
        importlib.import_module("issp_portal.celery")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert any("archive" in v for v in services[name].get("volumes", []))
    assert (ROOT / "Dockerfile").exists()
