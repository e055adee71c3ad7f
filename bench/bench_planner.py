"""Server time to plan one night for a 2,000-target survey (planner.services.plan_create).

Builds a throw-away SQLite database with 2,000 ISSP targets and goals, 3,000
calibrators (10 % flagged) and some executed observations, then times the whole
service call (queries, observability over targets x 10-min grid, scoring,
calibrator pairing, sequencing, storing the plan). Baseline, measured in the same
run: the bare astropy AltAz transform of the same targets x time grid.

Usage: python bench/bench_planner.py [--targets 2000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NIGHT = dt.date(2024, 6, 15)


def setup_django(db_path: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issp_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_survey(n_targets: int, n_calibrators: int):
    import numpy as np

    from django.contrib.auth import get_user_model

    from surveys.models import (
        Calibrator,
        CalibratorFlag,
        Night,
        NightAllocation,
        Observation,
        Program,
        SurveyGoal,
        Target,
    )

    rng = np.random.default_rng(2000)
    user = get_user_model().objects.create(username="bench", is_staff=True)
    program = Program.objects.create(code="issp", title="ISSP", kind="survey", instruments=["SPICA"], priority=1)
    night = Night.objects.create(date=NIGHT)
    NightAllocation.objects.create(night=night, program=program, fraction=1.0, instruments=["SPICA"])
    past = Night.objects.create(date=NIGHT - dt.timedelta(days=30), status="observed")

    def mags(n):
        v = rng.uniform(2.5, 7.5, n)
        return {"mag_v": v, "mag_r": v - 0.3, "mag_h": v - rng.uniform(0.2, 2.5, n), "mag_k": v - 2.6}

    m = mags(n_targets)
    targets = Target.objects.bulk_create([
        Target(name=f"HD {100000 + i}", ra_deg=float(rng.uniform(0, 360)), dec_deg=float(rng.uniform(-25, 80)),
               mag_v=float(m["mag_v"][i]), mag_r=float(m["mag_r"][i]), mag_h=float(m["mag_h"][i]),
               mag_k=float(m["mag_k"][i]), priority=int(rng.integers(1, 4)))
        for i in range(n_targets)])
    SurveyGoal.objects.bulk_create([SurveyGoal(target=t, program=program, instrument="SPICA",
                                               required_observations=2) for t in targets])
    start = dt.datetime.combine(past.date, dt.time(6), tzinfo=dt.UTC)
    Observation.objects.bulk_create([Observation(program=program, night=past, target=t, instrument="SPICA",
                                                 mode="MR720", start=start) for t in targets[::3]])
    mc = mags(n_calibrators)
    cals = Calibrator.objects.bulk_create([
        Calibrator(name=f"HD {500000 + i}", ra_deg=float(rng.uniform(0, 360)), dec_deg=float(rng.uniform(-25, 80)),
                   mag_v=float(mc["mag_v"][i]), mag_r=float(mc["mag_r"][i]), mag_h=float(mc["mag_h"][i]),
                   mag_k=float(mc["mag_k"][i]), udd_r=float(rng.uniform(0.1, 0.35)), e_udd_r=0.015)
        for i in range(n_calibrators)])
    CalibratorFlag.objects.bulk_create([CalibratorFlag(calibrator=c, kind="badcal") for c in cals[::10]])
    return user, program, night, targets


def baseline_altaz(targets, night_start, night_end, step_minutes: int) -> float:
    """The bare astropy AltAz transform of the same targets x time grid (seconds)."""
    import astropy.units as u
    import numpy as np
    from astropy.coordinates import AltAz, SkyCoord
    from astropy.time import Time

    from planner.observability import CHARA, offline_iers, time_grid

    times = Time(time_grid(night_start, night_end, step_minutes))
    ra = np.array([t.ra_deg for t in targets])
    dec = np.array([t.dec_deg for t in targets])
    t0 = time.perf_counter()
    with offline_iers():
        alt = SkyCoord(ra=ra * u.deg, dec=dec * u.deg)[:, None].transform_to(
            AltAz(obstime=times[None, :], location=CHARA.location())).alt.deg
    assert alt.shape == (len(targets), len(times))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--calibrators", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(str(Path(tmp) / "bench.sqlite3"))
        user, program, night, targets = build_survey(args.targets, args.calibrators)
        from planner import services
        from planner.models import NightPlan
        from planner.observability import night_window

        def plan_once() -> tuple[float, NightPlan]:
            t0 = time.perf_counter()
            plan = services.plan_create(night=night, program=program, instrument="SPICA", mode="MR720", user=user)
            return time.perf_counter() - t0, plan

        cold, plan = plan_once()  # first call in the process: astropy loads IERS / ephemeris tables
        warm = []
        for _ in range(args.repeat):
            elapsed, plan = plan_once()
            warm.append(elapsed)
        start, end = night_window(NIGHT)
        step = plan.params["constraints"]["step_minutes"]
        base = statistics.median(baseline_altaz(targets, start, end, step) for _ in range(args.repeat))
        project = statistics.median(warm)
        n_times = int((end - start).total_seconds() // (step * 60)) + 1
        print(f"survey: {args.targets} targets ({args.targets} goals), {args.calibrators} calibrators, "
              f"night {NIGHT} {start:%H:%M}-{end:%H:%M} UT, grid {n_times} x {step} min")
        print(f"plan: {plan.items.count()} CAL-SCI-CAL blocks, {len(plan.uncalibratable)} uncalibratable, "
              f"{sum(1 for r in plan.candidates if not r['reason'])} eligible candidates")
        print(f"plan_create, first call in process (cold astropy tables): {cold * 1000:.0f} ms")
        print(f"plan_create, warm (median of {args.repeat}): {project * 1000:.0f} ms "
              f"(min {min(warm) * 1000:.0f}, max {max(warm) * 1000:.0f})")
        print(f"baseline: bare astropy AltAz transform of the same {args.targets} x {n_times} grid: "
              f"{base * 1000:.0f} ms")
        print(f"RESULT figure=plan_night_2000_targets_ms project={project * 1000:.0f} baseline={base * 1000:.0f} "
              f"ratio={project / base:.2f} target=\"well under 1000 ms of server time\"")
    return 0


if __name__ == "__main__":
    sys.exit(main())
