"""Companion screen of the survey through the worker pool, extrapolated to 2,000 targets (target < 10 min).

Run: CELERY_BROKER_URL=redis://127.0.0.1:6379/6 BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/issp_bench \
     .venv/bin/python bench/bench_companion_survey.py [--targets 40]
(an empty PostgreSQL database: two worker processes writing to SQLite fail with "database is locked")
Builds N targets with synthetic SPICA L2 (as bench_fit: 24 channels, 2 hour angles, 1 in 9 a binary) in a
throw-away database (SQLite, or BENCH_DATABASE_URL). Measured:
- CPU seconds per target (time.process_time: insensitive to the load of a shared machine), in this process
  with one BLAS thread like a pool process: the survey screen of the first 9 targets everything included
  (read the L2, map, fits, nσ, errors, limits, second pass when detected, L3 product and table row), and
  the baseline in the same run, the interactive search (`companion_search` defaults: finer map, 32
  starts, bootstrap of a detection, full limit grid) on three of them. Extrapolated: 2,000 × CPU / 2 workers.
- Wall clock of the survey-screen button (one task per target, chunks) through a real Celery worker pool
  of 2 processes when CELERY_BROKER_URL is set (in-process otherwise), with the load average.
"""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in a pool process (issp_portal/celery.py); before numpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SURVEY = 2000
STALL = 300  # s without progress: the run will not finish


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


def cpu_per_target(targets, versions) -> tuple[float, float, float]:
    """CPU seconds per target: survey screen everything included, survey screen alone, interactive search."""
    from archive.storage import absolute_path
    from pipelines.analysis.companion import companion_search, read_binary_data
    from pipelines.analysis.companion.screen import screen
    from pipelines.analysis.companion_services import screen_settings, target_companion_refresh

    sample = list(zip(targets, versions, strict=True))[:9]  # one binary in nine, as the survey
    start = time.process_time()
    for target, _ in sample:
        target_companion_refresh(target=target, force=True)
    full = (time.process_time() - start) / len(sample)
    data = [read_binary_data([absolute_path(v.path)]) for _, v in sample]
    start = time.process_time()
    for d in data:
        screen(d, screen_settings())
    alone = (time.process_time() - start) / len(data)
    picked = [data[i] for i in (1, 4, 7) if i < len(data)]  # two single stars and the binary
    start = time.process_time()
    for d in picked:
        companion_search(d)
    return full, alone, (time.process_time() - start) / len(picked)


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
        last, moved = -1, time.perf_counter()
        while True:
            run.refresh_from_db()
            if run.done != last:
                print(f"  progress {run.done}/{run.total} ({time.perf_counter() - start:.0f} s) {run.phase}",
                      flush=True)
                last, moved = run.done, time.perf_counter()
            if run.phase in (PipelineRun.Phase.COMPLETED, PipelineRun.Phase.FAILED):
                break
            if time.perf_counter() - moved > STALL:
                raise SystemExit(f"no progress for {STALL} s at {run.done}/{run.total}: a failed chunk? (see the log)")
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
    from surveys.models import Target

    targets = [Target.objects.get(pk=v.product.target_id) for v in versions]
    load = os.getloadavg()[0]
    full, alone, interactive = cpu_per_target(targets, versions)
    print(f"CPU per target (load average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores): survey "
          f"screen {full:.2f} s everything included ({alone:.2f} s the search alone); baseline, interactive "
          f"search {interactive:.2f} s")
    project, baseline = full * SURVEY / 2, interactive * SURVEY / 2
    print(f"extrapolated from CPU, {SURVEY} targets on 2 workers: survey {project:.0f} s, interactive {baseline:.0f} s")
    load = os.getloadavg()[0]
    elapsed, run = run_survey(admin, args.targets)
    mode = "worker pool (2 processes)" if os.environ.get("CELERY_BROKER_URL") else "in-process"
    print(f"survey screen wall clock: {run.done}/{run.total} targets, {run.phase}, report {run.report}, "
          f"{elapsed:.1f} s, {mode}; load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end -> "
          f"{elapsed * SURVEY / args.targets:.0f} s extrapolated to {SURVEY} targets at that load")
    print(f"RESULT figure=companion_screen_{SURVEY}_targets_cpu_seconds_on_2_workers project={project:.0f} "
          f"baseline={baseline:.0f} ratio={baseline / project:.1f} target=<600s")


if __name__ == "__main__":
    main()
