"""Bench: L2 calibration of a 200-file SPICA night, portal vs genoca 1.0.5 (measured in the same run).

genoca re-reads every calibrator file for every science file (cost ~ a·N + b·N²): 200 files
take about 25 min, so by default it is measured on two smaller nights (BENCH_GENOCA_FILES/2
and BENCH_GENOCA_FILES, default 40), a·N + b·N² is fitted and extrapolated to 200 files,
printed as such. BENCH_GENOCA_FILES=200 measures it for real. Both sides read the L1 files
and write the L2 files.
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from astropy.io import fits  # noqa: E402

from demo.synthetic import l1 as syn  # noqa: E402
from pipelines.calibration import engine, genoca_ref, oifits_io  # noqa: E402


def portal_calibrate(night: syn.Night, outdir: Path, params: engine.CalParams) -> tuple[float, engine.SetupResult]:
    """Read, calibrate and write every L2 file; wall time in seconds."""
    outdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    files = [oifits_io.read_l1(p) for p in night.files]
    diam = {f.target: engine.Diameter(*f.header_diameter, "header") for f in files if f.role == "CALIBRATION"}
    res = engine.calibrate_setup(files, diam, {}, params)
    for sr in res.science:
        oifits_io.write_l2(sr.l1.path, outdir / f"L2_{sr.l1.path.name}", sr.content, engine.SOFTWARE)
    return time.perf_counter() - start, res


def main() -> None:
    n_full = int(os.environ.get("BENCH_FILES", "200"))
    n_gen = int(os.environ.get("BENCH_GENOCA_FILES", "40"))
    with tempfile.TemporaryDirectory(prefix="bench-calib-") as tmp:
        tmp = Path(tmp)
        big = syn.simulate_night(tmp / "big", n_files=n_full, seed=1)
        cpu0 = time.process_time()
        t_portal, res = portal_calibrate(big, tmp / "big-l2", engine.CalParams())
        print(f"portal: {n_full} files ({len(res.science)} science) in {t_portal:.2f} s wall, "
              f"{time.process_time() - cpu0:.2f} s CPU (wall times depend on the load of a shared machine)")
        python = genoca_ref.ensure_genoca()
        sizes = [n_gen] if n_gen == n_full else [n_gen // 2, n_gen]
        t_gens = []
        for n in sizes:
            small = syn.simulate_night(tmp / f"small{n}", n_files=n, seed=2)
            compat = engine.CalParams(bias_correction="genoca")
            t_portal_small, res_small = portal_calibrate(small, tmp / f"small{n}-l2", compat)
            cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t_gen = genoca_ref.run_genoca(tmp / f"small{n}", tmp / f"small{n}-genoca", python=python)
            cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
            print(f"genoca CPU time on {n} files: {cpu:.1f} s")
            t_gens.append(t_gen)
            theirs = {fits.getheader(p)["TPL START"]: p for p in (tmp / f"small{n}-genoca").glob("*_L2.fits")}
            diff = max(float(np.nanmax(np.abs(fits.getdata(theirs[sr.l1.start], "OI_VIS2")["VIS2DATA"]
                                              - sr.content.vis2))) for sr in res_small.science)
            print(f"genoca: {n} files in {t_gen:.1f} s; portal on the same files {t_portal_small:.2f} s "
                  f"(x{t_gen / t_portal_small:.0f}); max |V2 portal(genoca estimator) - V2 genoca| = {diff:.2e}")
        if n_gen == n_full:
            t_base, how = t_gens[0], "measured"
        else:  # t = a N + b N², through the two measurements
            (n1, n2), (t1, t2) = sizes, t_gens
            b = (t2 / n2 - t1 / n1) / (n2 - n1)
            a = t1 / n1 - b * n1
            linear = t2 * n_full / n2  # genoca is at least linear in N: a lower bound
            t_base = max(a * n_full + b * n_full**2, linear)
            how = (f"extrapolated from {n1} and {n2} files as aN+bN^2, never below the linear bound"
                   if t_base > linear else f"linear lower bound from {n2} files (aN+bN^2 fit was lower)")
        print(f"genoca on {n_full} files: {t_base:.0f} s ({how}); portal {t_portal:.2f} s")
    print(f"RESULT figure=l2_calibration_{n_full}_files_seconds project={t_portal:.2f} baseline={t_base:.1f} "
          f"ratio={t_base / t_portal:.1f} target=>=2x_faster_than_genoca_({how.replace(' ', '_')})")
    print(f"RESULT figure=l2_v2_agreement_with_genoca project={diff:.2e} baseline=0 ratio=1 target=<1e-3")


if __name__ == "__main__":
    main()
