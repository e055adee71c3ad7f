"""PMOIRED's companion search on one OIFITS file, timed; run by bench_companion.py with PMOIRED's own Python.

Usage: <python with pmoired> bench/pmoired_companion.py FILE R_MAS STEP_MAS N_BOOT RADII...
Prints one JSON line: PMOIRED's UD fit, the best companion of `gridFit` (starts on a square grid of
STEP over ±R, inside the circle of radius R) with PMOIRED's uncertainties (scaled to χ²ᵣ) and, with
N_BOOT > 0, `bootstrapFit`'s; the 5σ `detectionLimit` of a second companion on rings RADII × 24
position angles, with the first one in the model (PMOIRED compares χ² of the model with and without
the injected flux, as CANDID's Absil method); the wall and CPU seconds of every step.

A point source in PMOIRED needs an explicit size: a component with only (f, x, y) is taken as fully
resolved flux (visibility 0), so the companion is ("c,ud": 0, not fitted).
"""
import json
import resource
import sys
import time

import pmoired
from pmoired import oimodels


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class Clock:
    def __init__(self):
        self.wall, self.cpu = {}, {}

    def __call__(self, name, fn):
        w, c = time.perf_counter(), _cpu()
        out = fn()
        self.wall[name], self.cpu[name] = time.perf_counter() - w, _cpu() - c
        return out


def main() -> None:
    path, rmax, step, n_boot = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    radii = [float(r) for r in sys.argv[5:]] or [5.0, 20.0]
    clock = Clock()

    def load():
        oi = pmoired.OI(path)
        oi.setupFit({"obs": ["V2", "T3PHI"]})
        return oi

    oi = clock("load", load)
    clock("ud_fit", lambda: oi.doFit({"*,ud": 1.0}, verbose=0))
    single = {"ud": oi.bestfit["best"]["*,ud"], "ud_err": oi.bestfit["uncer"]["*,ud"], "chi2_red": oi.bestfit["chi2"],
              "ndof": oi.bestfit.get("ndof")}
    ud = single["ud"]
    clock("grid_fit", lambda: oi.gridFit(
        {"grid": {"c,x": (-rmax, rmax, step), "c,y": (-rmax, rmax, step)}},
        model={"*,ud": ud, "c,f": 0.05, "c,x": 0.0, "c,y": 0.0, "c,ud": 0.0}, doNotFit=["c,ud"],
        prior=[("c,f", "<", 1), ("c,f", ">", 0)],
        constrain=[("np.sqrt(c,x**2+c,y**2)", "<=", rmax), ("np.sqrt(c,x**2+c,y**2)", ">", step / 2)], verbose=0))
    best, unc = dict(oi.bestfit["best"]), dict(oi.bestfit["uncer"])
    chi2_bin, ndof = oi.bestfit["chi2"], oi.bestfit.get("ndof") or single["ndof"]
    found = {"x": best["c,x"], "y": best["c,y"], "f": best["c,f"], "ud": best["*,ud"], "x_err": unc["c,x"],
             "y_err": unc["c,y"], "f_err": unc["c,f"], "ud_err": unc["*,ud"], "chi2_red": chi2_bin,
             "nsigma": float(oimodels._nSigmas(single["chi2_red"], chi2_bin, ndof)), "n_fits": len(oi.grid)}
    boot = None
    if n_boot > 0:
        clock("bootstrap", lambda: oi.bootstrapFit(n_boot, verbose=0))
        bu = oi.boot["uncer"]
        boot = {"x_err": bu["c,x"], "y_err": bu["c,y"], "f_err": bu["c,f"], "ud_err": bu["*,ud"]}
    model = {"*,ud": best["*,ud"], "c,f": best["c,f"], "c,x": best["c,x"], "c,y": best["c,y"], "c,ud": 0.0,
             "d,ud": 0.0, "d,f": 0.01, "d,x": "$R*np.sin($PA*np.pi/180)", "d,y": "$R*np.cos($PA*np.pi/180)",
             "R": radii[0], "PA": 0.0}
    limits = []
    for r in radii:  # one ring at a time: a grid of PMOIRED needs a uniform step in R
        clock(f"limit_{r:g}", lambda r=r: oi.detectionLimit({"grid": {"R": (r, r, 1.0), "PA": (0.0, 345.0, 15.0)}},
                                                           "d,f", model=dict(model), nsigma=5, verbose=0))
        limits += [(float(g["R"]), float(g["PA"]), float(g["d,f"])) for g in oi.limgrid]
    print(json.dumps({"version": pmoired.__version__, "single": single, "companion": found, "bootstrap": boot,
                      "limits": limits, "grid": {"rmax": rmax, "step": step}, "wall": clock.wall, "cpu": clock.cpu}))


if __name__ == "__main__":  # PMOIRED's worker processes re-import this file
    main()
