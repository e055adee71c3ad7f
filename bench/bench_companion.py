"""Companion search side by side with PMOIRED (gridFit + bootstrapFit + detectionLimit): same file, same run.

Run: PMOIRED_PYTHON=/path/to/python-with-pmoired .venv/bin/python bench/bench_companion.py [--case mircx|spica]
PMOIRED is not a project dependency: install it in its own environment (`python3 -m venv ../.venv-pmoired &&
../.venv-pmoired/bin/pip install pmoired`) and point PMOIRED_PYTHON at its interpreter; without it the script
says "not installed" and times this project only.

Cases. `mircx`: the real MIRC-X β Ari file (tests/data/oifits), PMOIRED's grid ±50 mas, step 2 mas (1960
fits: more than an hour on 2 shared cores; `--rmax`/`--step` shrink it).
`spica`: a synthetic SPICA file (the 42-channel Aspro2 coverage, a 0.5 mas primary with a 5 % companion at
(3, −4) mas, noise of 5 % + 0.005 on V² and 1.5° on closure phases) written by this project's simulator
(`companion/simulate.py`: each channel integrated over 25 sub-channels, not the fitted model); PMOIRED's
grid ±10 mas, step 0.8 mas. PMOIRED fits from every grid node (CANDID's scheme; a start ≳ λ/B from the
companion does not converge to it, so the step must stay near λ/B_max) and its detection limit is 5σ on
rings × 24 position angles, with the fitted companion in the model. This project runs its whole screen
(map from λ/B_max to the smearing field of view, fits, 100-sample bootstrap, second pass, 3σ/5σ limits).
Errors: the difference of two results in units of √(σ₁² + σ₂²) (both fit the same data, so this is lenient).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "oifits"
MIRCX = DATA / "MIRCX_L2.2023Oct14._bet_Ari.MIRCX_IDL.nn.AVG10m.fits"
SPICA = DATA / "Aspro2_zet_Oph_CHARA_SPICA_0.60249-0.80749-42ch_S1-S2-E1-E2-W1-W2_2023-05-19.fits"
CASES = {"mircx": {"rmax": 50.0, "step": 2.0}, "spica": {"rmax": 10.0, "step": 0.8}}
RADII = (5.0, 20.0)


def write_simulated(source: Path, target: Path, truth, noise, seed: int) -> None:
    """`source` with its V² and closure phases replaced by a simulated realisation (same points, same order)."""
    from astropy.io import fits

    from pipelines.analysis.companion import read_binary_data
    from pipelines.analysis.companion.simulate import simulate

    sim = simulate(read_binary_data([source]), truth, noise, np.random.default_rng(seed))
    values = {"OI_VIS2": [("VIS2DATA", sim.vis2.vis2), ("VIS2ERR", sim.vis2.err)],
              "OI_T3": [("T3PHI", sim.cp.cp), ("T3PHIERR", sim.cp.err)]}
    start = {"OI_VIS2": 0, "OI_T3": 0}
    with fits.open(source) as hdul:
        for h in hdul:
            if h.name not in values or h.data is None or len(h.data) == 0:
                continue
            (vname, vals), (ename, errs) = values[h.name]
            v, e = np.array(h.data[vname], dtype=float), np.array(h.data[ename], dtype=float)
            keep = ~np.asarray(h.data["FLAG"], bool) & np.isfinite(v) & np.isfinite(e) & (e > 0)
            n = int(keep.sum())
            v[keep], e[keep] = vals[start[h.name]:start[h.name] + n], errs[start[h.name]:start[h.name] + n]
            start[h.name] += n
            h.data[vname], h.data[ename] = v.reshape(h.data[vname].shape), e.reshape(h.data[ename].shape)
        hdul.writeto(target, overwrite=True)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def ours(path: Path):
    from pipelines.analysis.companion import companion_search, read_binary_data

    wall, cpu = time.perf_counter(), time.process_time()
    result = companion_search(read_binary_data([path]))
    return time.perf_counter() - wall, time.process_time() - cpu, result


def pmoired(path: Path, rmax: float, step: float, n_boot: int) -> tuple[dict | None, float, float]:
    python = os.environ.get("PMOIRED_PYTHON")
    if not python or not Path(python).exists():
        return None, 0.0, 0.0
    wall, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run([python, str(ROOT / "bench" / "pmoired_companion.py"), str(path), str(rmax), str(step),
                           str(n_boot), *map(str, RADII)], capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"PMOIRED run failed (exit {proc.returncode}):\n{proc.stderr[-1500:]}")
    return json.loads(lines[-1]), time.perf_counter() - wall, _children_cpu() - cpu


def _our_ring(limits, r: float) -> np.ndarray:
    """5σ flux ratios at radius r for every position angle of the limit map (interpolated in radius)."""
    return np.array([np.interp(r, limits.radius, limits.flux5[:, k]) for k in range(limits.angle.size)])


def _row(name: str, a: float, ea: float, b: float, eb: float, scale: float = 1.0, digits: int = 3) -> str:
    diff = (a - b) / np.hypot(ea, eb) if np.hypot(ea, eb) > 0 else float("inf")
    fmt = f"{{:.{digits}f}}"
    return (f"  {name:<16} {fmt.format(scale * a):>9} ± {fmt.format(scale * ea):<7} {fmt.format(scale * b):>9} ± "
            f"{fmt.format(scale * eb):<7} {diff:+6.1f}σ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=sorted(CASES), default="mircx")
    parser.add_argument("--rmax", type=float, help="PMOIRED grid half-width (mas)")
    parser.add_argument("--step", type=float, help="PMOIRED grid step (mas)")
    parser.add_argument("--boot", type=int, default=100, help="PMOIRED bootstrapFit samples (0: none)")
    args = parser.parse_args()
    rmax, step = args.rmax or CASES[args.case]["rmax"], args.step or CASES[args.case]["step"]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        path = MIRCX
        if args.case == "spica":
            from pipelines.analysis.companion.simulate import Noise, Truth

            path = Path(tmp) / "spica_companion.fits"
            write_simulated(SPICA, path, Truth(0.5, 3.0, -4.0, 0.05), Noise(0.05, 0.005, 1.5), seed=3)
            print("truth: x 3.000, y -4.000 mas, flux ratio 5.00 %, primary UD 0.500 mas")
        wall, cpu, result = ours(path)
        other, p_wall, p_cpu = pmoired(path, rmax, step, args.boot)
    load_after = os.getloadavg()
    c = result.best
    print(f"file: {path.name}  ({result.n_points} points)")
    print(f"load average (1, 5, 15 min): before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (2 cores)")
    print(f"project: wall {wall:.1f} s, CPU {cpu:.1f} s; grid {result.rmin:.2f}-{result.rmax:.1f} mas step "
          f"{result.step:.2f}, {result.n_fits} fits; " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()))
    print(f"  companion {c.nsigma:.1f}σ; single-star UD {result.theta_single:.4f} mas, χ²ᵣ {result.chi2_red_single:.2f}"
          f" → {c.chi2_red:.2f}")
    if other is None:
        print("PMOIRED: not installed (set PMOIRED_PYTHON to an interpreter with pmoired)")
        print(f"RESULT figure=companion_screen_seconds project={wall:.2f} baseline=nan ratio=nan "
              "target='>=50x faster than PMOIRED gridFit+detectionLimit'")
        return
    pw, pc, comp, boot = other["wall"], other["cpu"], other["companion"], other["bootstrap"]
    limit_wall = sum(v for k, v in pw.items() if k.startswith("limit_"))
    limit_cpu = sum(v for k, v in pc.items() if k.startswith("limit_"))
    print(f"PMOIRED {other['version']}: wall {p_wall:.1f} s, CPU {p_cpu:.1f} s (its worker pool included); "
          f"grid ±{rmax:g} mas step {step:g}, {comp['n_fits']} fits; "
          + ", ".join(f"{k} {v:.1f}" for k, v in pw.items()))
    print(f"  companion {comp['nsigma']:.1f}σ; single-star UD {other['single']['ud']:.4f} mas, χ²ᵣ "
          f"{other['single']['chi2_red']:.2f} → {comp['chi2_red']:.2f}")
    errs = boot or comp
    print(f"\n  {'':<16} {'project':>19} {'PMOIRED' + (' (bootstrap)' if boot else ''):>20}  difference")
    print(_row("x (mas)", c.x, c.x_err, comp["x"], errs["x_err"]))
    print(_row("y (mas)", c.y, c.y_err, comp["y"], errs["y_err"]))
    print(_row("flux ratio (%)", c.flux_ratio, c.flux_ratio_err, comp["f"], errs["f_err"], 100.0, 2))
    print(_row("primary UD (mas)", c.theta, c.theta_err, comp["ud"], errs["ud_err"], 1.0, 4))
    if boot:
        print(f"  PMOIRED formal errors: x {comp['x_err']:.3f}, y {comp['y_err']:.3f} mas, f "
              f"{100 * comp['f_err']:.2f} %, UD {comp['ud_err']:.4f} mas")
    lim = np.array(other["limits"])
    print("\n  5σ detection limit (flux ratio %), median / 90th percentile over position angles")
    for r in RADII:
        mine = _our_ring(result.limits, r)
        theirs = lim[np.isclose(lim[:, 0], r), 2]
        print(f"  {r:5.1f} mas   project {100 * np.median(mine):.2f} / {100 * np.percentile(mine, 90):.2f}   PMOIRED "
              f"{100 * np.median(theirs):.2f} / {100 * np.percentile(theirs, 90):.2f}   ({theirs.size} angles)")
    baseline = pw["grid_fit"] + limit_wall
    baseline_cpu = pc["grid_fit"] + limit_cpu
    print(f"\nwall: project {wall:.1f} s; PMOIRED gridFit + detectionLimit {baseline:.1f} s (+ bootstrapFit "
          f"{pw.get('bootstrap', 0.0):.1f} s); CPU {cpu:.1f} s vs {baseline_cpu:.1f} s")
    print(f"RESULT figure=companion_screen_seconds project={wall:.2f} baseline={baseline:.1f} "
          f"ratio={baseline / wall:.1f} cpu_ratio={baseline_cpu / cpu:.1f} "
          "target='>=50x faster than PMOIRED gridFit+detectionLimit'")


if __name__ == "__main__":
    main()
