"""The L2 → L3 error chain measured on the independent simulation (tests/sim): the README's figures.

Run: .venv/bin/python bench/bench_error_chain.py [--surveys 30] [--nights 40] [--quick]
Prints, each with its baseline measured in the same run:
- diameter pull std per star size (UD and LD), 8-night surveys with calibrator diameters off by a
  draw within their 6 % error; baseline = the same L2 data fitted with VIS2ERR as independent errors;
- V² pull std with 3 % per-visit TF jitter (baseline: the TF dispersion shrunk by √Σa², as before), and
  the UD diameter pulls with that jitter (baseline: VIS2ERR as independent errors);
- edge bias on a linearly drifting TF (local scheme; baseline: the gaussian-weighted mean);
- false-suspect rate on honest two-calibrator nights (catalogue off by a random draw or by 1.5σ) and
  detection rate of a companion at 5 mas (flux ratio 0.3, 0.1, 0.03; random position angle) in CAL–SCI–CAL.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def result(figure: str, project: float, baseline: float, target: str) -> None:
    ratio = project / baseline if baseline else float("nan")
    print(f"RESULT figure={figure} project={project:.3f} baseline={baseline:.3f} ratio={ratio:.3f} "
          f"target='{target}'", flush=True)


def pulls(surveys: int) -> None:
    from tests.sim import survey as sv

    for model in ("ud", "ld"):
        t0 = time.perf_counter()
        out = sv.survey_pulls(model=model, realisations=surveys, nights=8)
        print(f"# {model.upper()}: {surveys} surveys x 8 nights x 5 stars in {time.perf_counter() - t0:.0f} s")
        print("# size_mas  pull_std  pull_mean  pull_rms | VIS2ERR-as-independent: std  rms")
        for size, p in out.items():
            a, b = np.array(p["split"]), np.array(p["total"])
            print(f"#  {size:4.1f}     {np.std(a, ddof=1):5.2f}    {a.mean():+5.2f}     {np.sqrt(np.mean(a**2)):5.2f}"
                  f"   |                        {np.std(b, ddof=1):5.2f}  {np.sqrt(np.mean(b**2)):5.2f}")
            result(f"pull_std_{model}_{size}mas", float(np.std(a, ddof=1)), float(np.std(b, ddof=1)),
                   "0.8-1.3")


def pulls_with_jitter(surveys: int) -> None:
    from tests.sim import survey as sv

    out = sv.survey_pulls(model="ud", realisations=surveys, nights=8, jitter=0.03)
    print(f"# UD with 3 % per-visit TF jitter: {surveys} surveys x 8 nights x 5 stars")
    for size, p in out.items():
        a, b = np.array(p["split"]), np.array(p["total"])
        print(f"#  {size:4.1f}  pull std {np.std(a, ddof=1):5.2f}  mean {a.mean():+5.2f}"
              f"  | VIS2ERR-as-independent std {np.std(b, ddof=1):5.2f}")
        result(f"pull_std_ud_jitter3pc_{size}mas", float(np.std(a, ddof=1)), float(np.std(b, ddof=1)), "0.8-1.3")


def jitter_and_edges(nights: int) -> None:
    from pipelines.calibration import transfer as tfm
    from tests.sim.test_transfer_sim import _edge_bias, _night, _pulls

    z = np.concatenate([_pulls(*_night(seed, jitter=0.03)) for seed in range(nights)])
    orig = tfm.interpolate_tf

    def shrunk(*args, **kw):  # the former budget: dispersion × √Σa² (the visit's own scatter averaged down)
        out = orig(*args, **kw)
        out.dispersion = out.dispersion / np.sqrt(1.0 + (out.weights**2).sum(axis=0)) * np.sqrt(
            (out.weights**2).sum(axis=0))
        return out

    tfm.interpolate_tf = shrunk
    try:
        zb = np.concatenate([_pulls(*_night(seed, jitter=0.03)) for seed in range(nights)])
    finally:
        tfm.interpolate_tf = orig
    print(f"# V2 pulls, 3 % per-visit jitter, {nights} nights, {z.size} points")
    result("v2_pull_std_jitter3pc", float(np.std(z)), float(np.std(zb)), "0.9-1.15")
    result("edge_bias_linear_drift_pc", 100 * _edge_bias("local"), 100 * _edge_bias("weighted"), "< 0.2")


def verdicts(nights: int) -> None:
    from tests.sim.test_verdicts_sim import _night

    false = total = 0
    for seed in range(nights):
        _, _, res = _night(1000 + seed, offset_sigma=1.5 if seed % 2 else None)
        false += sum(c["suspect"] for c in res.checks)
        total += len(res.checks)
    print(f"# verdicts: {nights} honest two-calibrator nights ({total} calibrator checks)")
    result("false_suspect_rate", false / total, 0.0, "0")
    rng = np.random.default_rng(7)
    for ratio in (0.3, 0.1, 0.03):
        detected = named = refused = 0
        for seed in range(nights):
            cals, _, res = _night(2000 + seed, companion=(ratio, 5.0, float(rng.uniform(0, 360))))
            checks = {c["name"]: c for c in res.checks}
            named += bool(checks[cals[0].name]["suspect"]) and not checks[cals[1].name]["suspect"]
            refused += bool(res.errors) and not res.science
            detected += bool(checks[cals[0].name]["suspect"]) or (bool(res.errors) and not res.science)
        print(f"# binary calibrator, flux ratio {ratio}, 5 mas, {nights} nights: named {named}, "
              f"refused as an unresolved pair {refused}")
        result(f"binary_detection_rate_f{ratio}", detected / nights, 0.0, "1 at 0.3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--surveys", type=int, default=30)
    parser.add_argument("--nights", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="5 surveys, 8 nights (a smoke run)")
    parser.add_argument("--skip-pulls", action="store_true", help="only the V², edge and verdict figures")
    args = parser.parse_args()
    if args.quick:
        args.surveys, args.nights = 5, 8
    jitter_and_edges(min(args.nights, 12))
    verdicts(args.nights)
    if not args.skip_pulls:
        pulls(args.surveys)
        pulls_with_jitter(max(args.surveys // 2, 3))


if __name__ == "__main__":
    main()
