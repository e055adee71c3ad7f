"""L3 fit speed: the scipy engine vs oimodeler 0.8.1 (emcee) on the same files, then a 2,000-target survey.

Run: .venv/bin/python bench/bench_fit.py [--targets 2000] [--skip-survey]
Part 1 times one UD fit per target with both engines in this run (baseline = oimodeler), on the
Aspro2 SPICA files of tests/data/oifits, with a short MCMC (the one the tests use) and a typical one
(32 walkers x 1000 steps). Part 2 builds a survey of synthetic L2 targets in a throw-away database
(SQLite, or BENCH_DATABASE_URL) and fits it: through a real Celery worker pool when CELERY_BROKER_URL
is set, in-process otherwise, printing the run's progress. Its baseline is the same number of targets
times the measured oimodeler time per target (extrapolated, not run).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FILES = sorted((ROOT / "tests" / "data" / "oifits").glob("Aspro2_Zeta_Oph_*.fits"))


def _median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def engines() -> float:
    from pipelines.analysis.engines import ScipyEngine
    from pipelines.analysis.engines_oimodeler import OimodelerEngine
    from pipelines.analysis.fitting import analyse
    from pipelines.analysis.oifits_io import read_oifits

    fast_t, short_t, typical_t, full_t = [], [], [], []
    for path in FILES:
        data = read_oifits([path])
        t_fast, fast = _median_time(lambda d=data: ScipyEngine().fit(d), 5)
        t_full, _ = _median_time(lambda d=data: analyse(d, ld_coeff=0.3), 3)
        t_short, short = _median_time(lambda d=data: OimodelerEngine(nwalkers=8, nsteps=200, discard=80).fit(d), 1)
        t_typ, typ = _median_time(lambda d=data: OimodelerEngine(nwalkers=32, nsteps=1000, discard=300).fit(d), 1)
        print(f"{path.name[:60]}: N={len(data.v2)}  scipy UD {fast.theta:.5f} mas in {t_fast * 1e3:.1f} ms "
              f"(UD+LD+bootstrap+CP {t_full * 1e3:.0f} ms) | oimodeler short {short.theta:.5f} in {t_short:.2f} s, "
              f"typical {typ.theta:.5f} in {t_typ:.2f} s | diff {abs(short.theta / fast.theta - 1) * 100:.4f} %")
        fast_t.append(t_fast)
        short_t.append(t_short)
        typical_t.append(t_typ)
        full_t.append(t_full)
    f, s, t, a = (statistics.mean(x) for x in (fast_t, short_t, typical_t, full_t))
    print(f"RESULT figure=ud_fit_seconds_per_target_vs_oimodeler_short project={f:.4f} baseline={s:.3f} "
          f"ratio={s / f:.0f} target=>=10x_faster")
    print(f"RESULT figure=ud_fit_seconds_per_target_vs_oimodeler_typical project={f:.4f} baseline={t:.3f} "
          f"ratio={t / f:.0f} target=>=10x_faster")
    print(f"RESULT figure=full_analysis_seconds_per_target_vs_oimodeler_short project={a:.4f} baseline={s:.3f} "
          f"ratio={s / a:.1f} target=>=10x_faster")
    return s


def survey(n_targets: int, oim_seconds: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-l3-"))
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["ARCHIVE_ROOT"] = str(workdir / "archive")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issp_portal.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from demo.analysis import l2_synthetic_create
    from pipelines.analysis import services
    from pipelines.models import PipelineRun
    from surveys.models import Program, Target

    admin, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_staff": True})
    program, _ = Program.objects.get_or_create(code="bench", defaults={"title": "bench survey"})
    start = time.perf_counter()
    existing = Target.objects.filter(name__startswith="BENCH ").count()
    for i in range(existing, n_targets):
        target = Target.objects.create(name=f"BENCH {i:05d}", ra_deg=(i * 0.17) % 360, dec_deg=10.0,
                                       spectral_type="G8III", mag_v=5.0, mag_k=3.0)
        target.programs.add(program)
        l2_synthetic_create(target=target, program=program, theta_mas=0.3 + (i % 50) * 0.05, mjd=59000.3, seed=i,
                            n_times=2)
    print(f"survey: {n_targets} targets with synthetic L2 ready in {time.perf_counter() - start:.0f} s "
          f"({os.environ['DATABASE_URL'].split(':')[0]})")
    worker = None
    broker = os.environ.get("CELERY_BROKER_URL")
    if broker:
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "issp_portal", "worker", "-l", "WARNING",
                                   "-c", "2", "-Q", "analysis", "-n", f"bench-l3-{os.getpid()}@localhost",
                                   "--without-gossip", "--without-mingle"], cwd=ROOT, env=dict(os.environ))
        time.sleep(5)
    try:
        start = time.perf_counter()
        with django.db.transaction.atomic():
            run = services.survey_run_start(user=admin, force=True)
        last = -1
        while True:
            run.refresh_from_db()
            if run.done != last and (run.done - last >= max(1, n_targets // 10) or run.done == run.total):
                print(f"  progress {run.done}/{run.total} ({time.perf_counter() - start:.0f} s) {run.phase}")
                last = run.done
            if run.phase in (PipelineRun.Phase.COMPLETED, PipelineRun.Phase.FAILED):
                break
            time.sleep(1.0)
        elapsed = time.perf_counter() - start
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    mode = "worker pool (2 processes)" if broker else "in-process"
    print(f"survey fit: {run.done} targets, {run.phase}, report {run.report}, {elapsed:.0f} s, {mode}")
    baseline = n_targets * oim_seconds
    print(f"RESULT figure=survey_{n_targets}_targets_seconds project={elapsed:.1f} baseline={baseline:.0f} "
          f"ratio={baseline / elapsed:.1f} target=>=10x_faster_than_oimodeler_extrapolated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--skip-survey", action="store_true")
    args = parser.parse_args()
    oim_seconds = engines()
    if not args.skip_survey:
        survey(args.targets, oim_seconds)


if __name__ == "__main__":
    main()
