"""Companion screen of the survey through the worker pool, extrapolated to 2,000 targets (target < 10 min).

Run: CELERY_BROKER_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/bench_companion_survey.py [--targets 40]
Builds N targets with synthetic SPICA L2 (as bench_fit: 24 channels, 2 hour angles, 1 in 9 a binary) in a
throw-away database (SQLite, or BENCH_DATABASE_URL), presses the survey-screen button (one task per
target, chunks) and waits for the run: through a real Celery worker pool of 2 processes when
CELERY_BROKER_URL is set, in-process otherwise. Baseline, same run: the interactive search
(`companion_search` defaults: finer map, 32 starts, 100-sample bootstrap, full limit grid) timed on
three of the same files in-process, × N / 2 workers. Both are extrapolated linearly to 2,000 targets.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SURVEY = 2000


def setup(workdir: Path):
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["ARCHIVE_ROOT"] = str(workdir / "archive")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issp_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(n_targets: int):
    from django.contrib.auth import get_user_model

    from demo.analysis import l2_synthetic_create
    from demo.synthetic.l2 import Companion
    from surveys.models import Program, Target

    admin, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_staff": True})
    program, _ = Program.objects.get_or_create(code="bench", defaults={"title": "bench survey"})
    versions = []
    for i in range(n_targets):
        target = Target.objects.create(name=f"BENCH {i:05d}", ra_deg=(i * 0.17) % 360, dec_deg=10.0,
                                       spectral_type="G8III", mag_v=5.0, mag_k=3.0)
        target.programs.add(program)
        companion = Companion(flux_ratio=0.1, dra_mas=3.0, ddec_mas=-2.0, diameter_mas=0.0) if i % 9 == 4 else None
        versions.append(l2_synthetic_create(target=target, program=program, theta_mas=0.3 + (i % 50) * 0.05,
                                            mjd=59000.3, seed=i, n_times=2, companion=companion))
    return admin, versions


def baseline_seconds(versions) -> float:
    """Seconds per target of the interactive search (package defaults), in this process."""
    from archive.storage import absolute_path
    from pipelines.analysis.companion import companion_search, read_binary_data

    times = []
    for version in versions[3:6]:
        data = read_binary_data([absolute_path(version.path)])
        start = time.perf_counter()
        companion_search(data)
        times.append(time.perf_counter() - start)
    return sum(times) / len(times)


def run_survey(admin, n_targets: int) -> tuple[float, object]:
    import django

    from pipelines.analysis import companion_services
    from pipelines.models import PipelineRun

    worker = None
    if os.environ.get("CELERY_BROKER_URL"):
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "issp_portal", "worker", "-l", "WARNING",
                                   "-c", "2", "-Q", "analysis", "-n", f"bench-comp-{os.getpid()}@localhost",
                                   "--without-gossip", "--without-mingle"], cwd=ROOT, env=dict(os.environ))
        time.sleep(6)
    try:
        start = time.perf_counter()
        with django.db.transaction.atomic():
            run = companion_services.companion_run_start(user=admin, force=True)
        last = -1
        while True:
            run.refresh_from_db()
            if run.done != last:
                print(f"  progress {run.done}/{run.total} ({time.perf_counter() - start:.0f} s) {run.phase}",
                      flush=True)
                last = run.done
            if run.phase in (PipelineRun.Phase.COMPLETED, PipelineRun.Phase.FAILED):
                break
            time.sleep(1.0)
        return time.perf_counter() - start, run
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=40)
    args = parser.parse_args()
    setup(Path(tempfile.mkdtemp(prefix="bench-companion-")))
    admin, versions = build(args.targets)
    load = os.getloadavg()[0]
    elapsed, run = run_survey(admin, args.targets)
    mode = "worker pool (2 processes)" if os.environ.get("CELERY_BROKER_URL") else "in-process"
    print(f"survey screen: {run.done}/{run.total} targets, {run.phase}, report {run.report}, {elapsed:.1f} s, "
          f"{mode}; load average at start {load:.1f} on {os.cpu_count()} cores")
    per_target = baseline_seconds(versions)
    project = elapsed * SURVEY / args.targets
    baseline = per_target * SURVEY / 2
    print(f"baseline: interactive search {per_target:.1f} s per target in-process -> {baseline:.0f} s for "
          f"{SURVEY} targets on 2 workers")
    print(f"RESULT figure=companion_screen_{SURVEY}_targets_seconds project={project:.0f} baseline={baseline:.0f} "
          f"ratio={baseline / project:.1f} target=<600s")


if __name__ == "__main__":
    main()
