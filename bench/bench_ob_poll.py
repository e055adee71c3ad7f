"""Bench: the acquisition client's queue poll vs a bare Django JSON view, through gunicorn.

Starts gunicorn on a free loopback port against the configured database (DATABASE_URL;
SQLite by default), makes sure a bench operator, program and 40 queued OBs exist, then runs
16 concurrent pollers for a fixed time on:
  - the queue poll as a client does it every second: GET /api/v1/ob/queue/ with the token
    header and If-None-Match (answer 304 while nothing changed);
  - the full queue (200) as every poller asks for it right after a change: computed once per ETag and
    shared by the workers through the cache (target >= 50 % of the baseline's throughput);
  - the baseline: /healthz, a bare Django JSON view with one `SELECT 1`, same server, same run.
Prints requests/s and p50/p99 latency of each, then the RESULT lines.
Usage: DATABASE_URL=postgres://... .venv/bin/python bench/bench_ob_poll.py [--seconds 8]
"""
from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issp_portal.settings")
POLLERS = 16


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare() -> tuple[str, int]:
    """Bench data in the configured DB (idempotent): an operator with a token and 40 queued OBs."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from domain.ob_format import ObDefinition, ObTarget, definition_to_payload
    from obs_server import services
    from surveys.models import Program, ProgramRole

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the server below runs without Redis: database cache
    user, _ = get_user_model().objects.get_or_create(username="bench_operator")
    program, _ = Program.objects.get_or_create(code="bench-poll", defaults={"title": "Bench", "instruments": ["SPICA"]})
    ProgramRole.objects.get_or_create(user=user, program=program, role="operator")
    token, _ = Token.objects.get_or_create(user=user)
    for i in range(40):
        sci = ObTarget(id="SCI", name=f"BENCH {i}", kind="SCIENCE", ra_deg=i * 9.0, dec_deg=10 + i,
                       ha_interval=(-3.5, 3.5), ha_intervals=[(-3.5, 3.5)])
        cal = ObTarget(id="CAL", name=f"BENCHCAL {i}", kind="CALIBRATION", ra_deg=i * 9.0 + 1, dec_deg=11 + i,
                       diameter=0.4)
        definition = ObDefinition(name=f"bench-{i}", interferometer="CHARA", instrument="SPICA", mode="MR720",
                                  stations=["S1", "S2", "E1", "E2"], targets=[sci, cal], schedule=["CAL", "SCI", "CAL"])
        services.ob_receive(payload=definition_to_payload(definition), program=program, submitted_by=user)
    return token.key, program.obs.count()


def start_gunicorn(port: int) -> subprocess.Popen:
    env = dict(os.environ, DEBUG="false", SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
               ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="false", CONN_MAX_AGE="60", LOG_LEVEL="WARNING",
               CELERY_BROKER_URL="")  # the poll never touches the broker; keep /healthz a bare DB view too
    workers = str(max(2, (os.cpu_count() or 2) * 2))
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "issp_portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", workers, "--log-level", "warning"], cwd=ROOT, env=env)
    deadline = time.time() + 180  # each worker warms up (~20 s apiece on a busy 2-core machine)
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def run(port: int, path: str, headers: dict, seconds: float, expect: int) -> dict:
    latencies: list[float] = []
    bad: list[int] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def poller() -> None:
        mine, wrong = [], []
        sent = dict(headers)
        while time.perf_counter() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            t0 = time.perf_counter()
            conn.request("GET", path, headers=sent)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != expect:
                wrong.append(response.status)
            if "If-None-Match" in sent and response.status == 200:  # a real client keeps the newest ETag
                sent["If-None-Match"] = response.getheader("ETag")
            conn.close()
        with lock:
            latencies.extend(mine)
            bad.extend(wrong)

    threads = [threading.Thread(target=poller) for _ in range(POLLERS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"n": len(latencies), "rps": len(latencies) / elapsed, "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(0.99 * (len(latencies) - 1))] * 1000, "bad": len(bad)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args(argv)
    token, n_obs = prepare()
    from django.conf import settings

    port = _free_port()
    server = start_gunicorn(port)
    try:
        auth = {"Authorization": f"Token {token}"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/api/v1/ob/queue/", headers=auth)
        first = conn.getresponse()
        first.read()
        etag = first.getheader("ETag")
        assert first.status == 200 and etag, first.status
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"gunicorn 127.0.0.1:{port}, database {engine}, {n_obs} OBs in the bench program, "
              f"{POLLERS} pollers, {args.seconds:g} s per phase")
        run(port, "/healthz", {}, 1.0, 200)  # warm every worker
        baseline = run(port, "/healthz", {}, args.seconds, 200)
        poll = run(port, "/api/v1/ob/queue/", {**auth, "If-None-Match": etag}, args.seconds, 304)
        full = run(port, "/api/v1/ob/queue/", auth, args.seconds, 200)
    finally:
        server.terminate()
        server.wait(timeout=20)
    for name, r in (("baseline /healthz", baseline), ("queue poll (304)", poll), ("queue full (200)", full)):
        print(f"{name:<20} {r['rps']:8.1f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
              f"({r['n']} requests, {r['bad']} not {'304' if r is poll else '200'})")
    ratio = poll["rps"] / baseline["rps"]
    print(f"RESULT figure=ob_poll_throughput project={poll['rps']:.1f} baseline={baseline['rps']:.1f} "
          f"ratio={ratio:.2f} target=ratio>=0.60")
    print(f"RESULT figure=ob_queue_full_throughput project={full['rps']:.1f} baseline={baseline['rps']:.1f} "
          f"ratio={full['rps'] / baseline['rps']:.2f} target=ratio>=0.50")
    print(f"RESULT figure=ob_poll_p99_ms project={poll['p99']:.2f} baseline={baseline['p99']:.2f} "
          f"ratio={poll['p99'] / baseline['p99']:.2f} target=project<=25ms")


if __name__ == "__main__":
    main()
