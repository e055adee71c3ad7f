"""schemathesis against the portal's own OpenAPI schema, served by gunicorn on loopback.

A throw-away SQLite database (migrated, the surveys and OB-server demo loaded, one staff
user with an API token) so the run is independent of the test database. Every operation
gets a bounded number of generated requests: no 5xx, and the answers match the schema.
"""
from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.hardening.services import WebServer, manage, migrate

pytestmark = [pytest.mark.slow]

SETUP = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from demo import survey as s
from demo import ob_queue as o
s.load(n_targets=20, n_calibrators=10)
o.load()
user = get_user_model().objects.get(username="pi_issp")
print("TOKEN=" + Token.objects.get_or_create(user=user)[0].key)
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("schemathesis")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", "CELERY_BROKER_URL": "",
           "DEBUG": "true", "ARCHIVE_ROOT": str(folder / "archive"), "RAW_ROOT": str(folder / "raw"),
           "LOG_LEVEL": "WARNING"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    migrate(env)
    out = manage("shell", "-c", SETUP, env=env).stdout
    token = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("TOKEN="))
    web = WebServer(env, workers=2)
    yield {"url": web.url, "token": token, "web": web}
    web.stop()


def _operations() -> list[str]:
    """Every operation of the schema drf-spectacular generates (new endpoints are covered automatically)."""
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return [f"{method.upper()} {path}" for path, ops in sorted(paths.items()) for method in ops]


@pytest.fixture(scope="module")
def api_schema(served):
    return schemathesis.openapi.from_url(f"{served['url']}/api/v1/schema/?format=json",
                                         headers={"Authorization": f"Token {served['token']}"})


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.mark.parametrize("label", _operations())
def test_api_no_server_error_and_schema_conformance(label, api_schema, served):
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    headers = {"Authorization": f"Token {served['token']}"}
    failures: list[str] = []
    statuses: list[int] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              phases=[Phase.explicit, Phase.generate])
    def run(case):
        response = case.call(headers=headers, timeout=30)
        statuses.append(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except AssertionError as exc:
            failures.append(f"{response.status_code} {case.method} {case.formatted_path} "
                            f"query={case.query} body={str(case.body)[:200]!r}: {str(exc)[:600]}")

    run()
    print(label, sorted(Counter(statuses).items()))
    assert served["web"].proc.poll() is None, "gunicorn died"
    assert not failures, f"{len(failures)} failing requests, first ones:\n" + "\n".join(failures[:3])
