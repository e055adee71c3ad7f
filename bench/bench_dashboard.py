"""Server-side render time of the survey dashboard on a big survey, against /healthz as baseline.

Fills a throw-away test database (SQLite in memory by default, or a `test_` copy of
DATABASE_URL's database) with 2,000 targets and goals, 6,000 observations, 50,000
OBs and 20,000 products (with their versions), then times N requests of each page
with django.test.Client in the same run and prints the medians and the query counts.

Usage: python bench/bench_dashboard.py [--targets 2000] [--obs 50000] [--products 20000] [--repeat 9]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issp_portal.settings")


def fill(*, n_targets: int, n_obs: int, n_products: int) -> object:
    """Bulk-insert the big survey; returns the PI user."""
    import random

    from django.contrib.auth import get_user_model

    from archive.models import Product, ProductVersion
    from obs_server.models import ObservingBlock
    from surveys.models import Night, NightAllocation, Observation, Program, ProgramRole, Semester, SurveyGoal, Target

    rng = random.Random(7)
    pi = get_user_model().objects.create_user("bench_pi", password="bench-password-123")
    semester = Semester.objects.create(code="2024A", start=dt.date(2024, 2, 1), end=dt.date(2024, 7, 31))
    programs = [Program.objects.create(code=code, title=code, instruments=["SPICA"], pi=pi if i == 0 else None)
                for i, code in enumerate(["issp", "ext-a", "ext-b"])]
    ProgramRole.objects.create(user=pi, program=programs[0], role="pi")
    nights = Night.objects.bulk_create(
        Night(date=dt.date(2024, 2, 1) + dt.timedelta(days=i), semester=semester,
              status="observed" if i < 120 else "scheduled") for i in range(180))
    NightAllocation.objects.bulk_create(NightAllocation(night=n, program=programs[i % 3], fraction=1.0)
                                        for i, n in enumerate(nights))
    targets = Target.objects.bulk_create(
        Target(name=f"HD {100000 + i}", ra_deg=rng.uniform(0, 360), dec_deg=rng.uniform(-20, 80),
               mag_v=round(rng.uniform(2, 8), 2), spectral_type=rng.choice(["A0V", "F5V", "K0III"]),
               priority=rng.choice([1, 2, 3])) for i in range(n_targets))
    Target.programs.through.objects.bulk_create(
        Target.programs.through(target_id=t.pk, program_id=programs[i % 10 == 0].pk) for i, t in enumerate(targets))
    SurveyGoal.objects.bulk_create(
        SurveyGoal(target=t, program=programs[i % 10 == 0], instrument="SPICA", required_observations=3)
        for i, t in enumerate(targets))
    start = dt.datetime(2024, 2, 2, 5, tzinfo=dt.UTC)
    Observation.objects.bulk_create(
        Observation(program=programs[i % 10 == 0], night=nights[rng.randrange(120)], target=t, instrument="SPICA",
                    mode="MR720", start=start + dt.timedelta(days=rng.randrange(120)))
        for i, t in enumerate(targets) for _ in range(rng.choice([0, 1, 2, 3, 4, 5])))
    ObservingBlock.objects.bulk_create(
        (ObservingBlock(program=programs[i % 3], target=targets[i % n_targets], night=nights[i % 180],
                        name=f"OB {i}", instrument="SPICA", mode="MR720", payload={"name": f"OB {i}"},
                        content_hash=f"{i:064x}", state=rng.choice(["queued", "done", "failed"]))
         for i in range(n_obs)), batch_size=2000)
    products = Product.objects.bulk_create(
        (Product(calib_level=i % 4, program=programs[0], target=targets[i % n_targets], night=nights[i % 120],
                 instrument="SPICA", key=f"bench/{i}", t_min=60400.0 + i % 120, t_max=60400.1 + i % 120)
         for i in range(n_products)), batch_size=2000)
    versions = ProductVersion.objects.bulk_create(
        (ProductVersion(product=p, number=1, sha256=f"{i:064x}", size=1000, path=f"bench/{i}.fits",
                        filename=f"{i}.fits", quality_flag=i % 6 or None)
         for i, p in enumerate(products)), batch_size=2000)
    for product, version in zip(products, versions, strict=True):
        product.current_version = version
    Product.objects.bulk_update(products, ["current_version"], batch_size=2000)
    return pi


def timed(client, url: str, repeat: int) -> tuple[float, int]:
    """Median server-side time (ms) of `repeat` GETs after one warm-up, and the query count of one."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the context slices the log from its length at entry; a request resets the log
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times), len(ctx.captured_queries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--obs", type=int, default=50000)
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        pi = fill(n_targets=args.targets, n_obs=args.obs, n_products=args.products)
        print(f"filled {args.targets} targets, {args.obs} OBs, {args.products} products "
              f"in {time.perf_counter() - started:.1f} s ({connection.vendor})")
        client = Client()
        client.force_login(pi)
        from surveys.models import Target

        target = Target.objects.order_by("pk").first()
        base, base_q = timed(client, "/healthz", args.repeat)
        rows = [
            ("dashboard", "/dashboard/"),
            ("dashboard filtered+sorted", "/dashboard/?status=in+progress&sort=-completion&page=2"),
            ("dashboard CSV export", "/dashboard/?format=csv"),
            ("target page", f"/targets/{target.pk}/"),
        ]
        print(f"{'page':<28} {'median ms':>10} {'queries':>8}")
        print(f"{'/healthz (baseline)':<28} {base:>10.1f} {base_q:>8}")
        results = {}
        for label, url in rows:
            ms, queries = timed(client, url, args.repeat)
            results[label] = ms
            print(f"{label:<28} {ms:>10.1f} {queries:>8}")
        dash = results["dashboard"]
        print(f"RESULT figure=dashboard_render_ms project={dash:.1f} baseline={base:.1f} ratio={dash / base:.1f} "
              f"target='<1000 ms median with {args.targets} targets, {args.obs} OBs, {args.products} products'")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
