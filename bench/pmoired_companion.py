"""PMOIRED's companion search on one OIFITS file, timed; run by bench_companion.py with PMOIRED's own Python.

Usage: <python with pmoired> bench/pmoired_companion.py FILE R_MAS [N_GRID] [N_LIMIT]
Prints one JSON line: the best companion (x, y mas, flux ratio) with PMOIRED's uncertainties, the UD
diameter, and the seconds of load, UD fit, gridFit (N_GRID × N_GRID starting points over ±R) and
detectionLimit (N_LIMIT random positions within R).
"""
import json
import sys
import time

import numpy as np
import pmoired


def main() -> None:
    path, rmax = sys.argv[1], float(sys.argv[2])
    n_grid = int(sys.argv[3]) if len(sys.argv) > 3 else 21
    n_limit = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    seconds = {}
    t0 = time.perf_counter()
    oi = pmoired.OI(path)
    oi.setupFit({"obs": ["V2", "T3PHI"]})
    seconds["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    oi.doFit({"*,ud": 1.0})
    ud = oi.bestfit["best"]["*,ud"]
    seconds["ud_fit"] = time.perf_counter() - t0
    step = 2 * rmax / (n_grid - 1)
    t0 = time.perf_counter()
    oi.gridFit({"grid": {"c,x": (-rmax, rmax, step), "c,y": (-rmax, rmax, step)}},
               model={"*,ud": ud, "c,f": 0.05, "c,x": 0.0, "c,y": 0.0}, prior=[("c,f", "<", 1), ("c,f", ">", 0)],
               constrain=[("np.sqrt(c,x**2+c,y**2)", "<=", rmax), ("np.sqrt(c,x**2+c,y**2)", ">", step / 2)], verbose=0)
    seconds["grid_fit"] = time.perf_counter() - t0
    best, unc = oi.bestfit["best"], oi.bestfit["uncer"]
    n_fits = len(getattr(oi, "grid", []) or [])
    t0 = time.perf_counter()
    oi.detectionLimit({"rand": {"c,x": (-rmax, rmax), "c,y": (-rmax, rmax)}}, "c,f", Nfits=n_limit,
                      model={"*,ud": best["*,ud"], "c,f": 0.01, "c,x": 0.0, "c,y": 0.0}, verbose=0)
    seconds["detection_limit"] = time.perf_counter() - t0
    lim = [(float(np.hypot(g["best"]["c,x"], g["best"]["c,y"])), float(g["best"]["c,f"]))
           for g in oi.limgrid if "best" in g] if isinstance(oi.limgrid, list) else []
    print(json.dumps({"version": pmoired.__version__, "x": best["c,x"], "y": best["c,y"], "f": best["c,f"],
                      "x_err": unc.get("c,x", 0.0), "y_err": unc.get("c,y", 0.0), "f_err": unc.get("c,f", 0.0),
                      "ud": best["*,ud"], "ud_err": unc.get("*,ud", 0.0), "chi2_red": oi.bestfit.get("chi2"),
                      "n_fits": n_fits, "limits": lim[:5], "seconds": seconds}))


if __name__ == "__main__":  # PMOIRED's worker processes re-import this file
    main()
