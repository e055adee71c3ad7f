"""/healthz: is the database reachable, and the broker when one is configured."""
from __future__ import annotations

import socket
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

import issp_portal


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, connection.vendor
    except Exception as exc:  # any driver error means "down"
        connection.close_if_unusable_or_obsolete()
        return False, f"{type(exc).__name__}: {exc}".strip()[:300]


def _check_broker() -> tuple[bool, str]:
    url = settings.CELERY_BROKER_URL
    if not url:
        return True, "none configured: tasks run in-process"
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, conn.as_uri()
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"[:300]


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    db_ok, db_detail = _check_database()
    broker_ok, broker_detail = _check_broker()
    failing = [name for name, ok in (("database", db_ok), ("broker", broker_ok)) if not ok]
    body = {
        "status": "ok" if not failing else "unavailable",
        "failing": failing,
        "version": issp_portal.__version__,
        "hostname": socket.gethostname(),
        "checks": {
            "database": {"ok": db_ok, "detail": db_detail},
            "broker": {"ok": broker_ok, "detail": broker_detail},
        },
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return JsonResponse(body, status=200 if not failing else 503)
