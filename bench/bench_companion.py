"""Companion search speed and agreement: this project's search vs PMOIRED's gridFit + detectionLimit, same file,
same run.

Run: PMOIRED_PYTHON=/path/to/python-with-pmoired .venv/bin/python bench/bench_companion.py [--grid 21] [--limits 200]
PMOIRED is not a project dependency: install it in its own environment (e.g. `python3 -m venv .venv-pmoired &&
.venv-pmoired/bin/pip install pmoired`) and point PMOIRED_PYTHON at its interpreter; without it the script says
"not installed" and times this project only. File: the real MIRC-X β Ari file (tests/data/oifits). PMOIRED
runs its documented defaults: V² + closure phases, UD fit, a 21 × 21 grid of starting points over ±50 mas
(441 fits, fewer once the circle constraint drops the corners) and 200 random positions for the
detection limit. This project runs its whole screen: the search grid from λ/B to the smearing field of
view (1.1–106 mas), bootstrap errors, the second pass and the detection limits (3σ and 5σ).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FILE = ROOT / "tests" / "data" / "oifits" / "MIRCX_L2.2023Oct14._bet_Ari.MIRCX_IDL.nn.AVG10m.fits"


def ours() -> tuple[float, dict]:
    from pipelines.analysis.companion import companion_search, read_binary_data

    started = time.perf_counter()
    result = companion_search(read_binary_data([FILE]))
    return time.perf_counter() - started, result


def pmoired(grid: int, limits: int) -> dict | None:
    python = os.environ.get("PMOIRED_PYTHON")
    if not python or not Path(python).exists():
        return None
    proc = subprocess.run([python, str(ROOT / "bench" / "pmoired_companion.py"), str(FILE), "50", str(grid),
                           str(limits)], capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"PMOIRED run failed (exit {proc.returncode}):\n{proc.stderr[-1500:]}")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grid", type=int, default=21, help="PMOIRED gridFit: N × N starting points")
    parser.add_argument("--limits", type=int, default=200, help="PMOIRED detectionLimit: random positions")
    args = parser.parse_args()
    seconds, result = ours()
    c = result.best
    print(f"project: {seconds:.2f} s ({', '.join(f'{k} {v:.2f}' for k, v in result.seconds.items())})")
    print(f"  companion x {c.x:.3f} ± {c.x_err:.3f}, y {c.y:.3f} ± {c.y_err:.3f} mas, flux ratio "
          f"{100 * c.flux_ratio:.2f} ± {100 * c.flux_ratio_err:.2f} %, {c.nsigma:.1f} sigma; primary UD "
          f"{c.theta:.4f} ± {c.theta_err:.4f} mas; single-star UD {result.theta_single:.4f} mas; {result.n_fits} fits")
    print(f"  5-sigma limit at 5 / 20 mas: {100 * result.limits.at(5.0):.2f} / {100 * result.limits.at(20.0):.2f} %")
    other = pmoired(args.grid, args.limits)
    if other is None:
        print("PMOIRED: not installed (set PMOIRED_PYTHON to an interpreter with pmoired)")
        print(f"RESULT figure=companion_screen_seconds project={seconds:.2f} baseline=nan ratio=nan "
              "target='>=50x faster than PMOIRED gridFit+detectionLimit'")
        return
    ps = other["seconds"]
    baseline = ps["grid_fit"] + ps["detection_limit"]
    print(f"PMOIRED {other['version']}: gridFit {ps['grid_fit']:.1f} s, detectionLimit {ps['detection_limit']:.1f} s "
          f"(load {ps['load']:.2f}, UD fit {ps['ud_fit']:.2f})")
    print(f"  companion x {other['x']:.3f} ± {other['x_err']:.3f}, y {other['y']:.3f} ± {other['y_err']:.3f} mas, "
          f"flux ratio {100 * other['f']:.2f} ± {100 * other['f_err']:.2f} %; primary UD {other['ud']:.4f} ± "
          f"{other['ud_err']:.4f} mas; reduced chi2 {other['chi2_red']}")
    dx = (c.x - other["x"]) / max(c.x_err, other["x_err"], 1e-9)
    dy = (c.y - other["y"]) / max(c.y_err, other["y_err"], 1e-9)
    print(f"  difference in position: {dx:+.1f} / {dy:+.1f} (in the larger of the two errors)")
    print(f"RESULT figure=companion_screen_seconds project={seconds:.2f} baseline={baseline:.1f} "
          f"ratio={baseline / seconds:.1f} target='>=50x faster than PMOIRED gridFit+detectionLimit'")


if __name__ == "__main__":
    main()
