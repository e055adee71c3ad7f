"""Run the SPICA team's genoca 1.0.5 offline, in its own virtualenv, as a reference. No Django.

genoca's dependencies (PyQt6, matplotlib, fpdf, astroquery, pandas) stay out of the
portal's environment: `ensure_genoca()` creates `var/genoca-venv` (or uses
$GENOCA_PYTHON) and `run_genoca()` calls `genoca.calib.main(argv)` through a small
wrapper that replaces its SIMBAD name lookup by the identity and makes its VizieR /
getstar lookups fail fast (see docs reference "Running genoca ... without network").
Calibrator diameters therefore come from the `JSDC DIAMETER` header keywords.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

GENOCA_VERSION = "1.0.5"
ROOT = Path(__file__).resolve().parents[2]

WRAPPER = textwrap.dedent('''
    import sys

    import genoca.oifits as oifits
    import genoca.utils as utils


    def _offline(*args, **kwargs):
        raise RuntimeError("offline: no SIMBAD/VizieR/getstar lookups")


    class _NoVizier:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("offline: no VizieR")


    utils.replaceByHD = lambda name: name
    utils.getstar = _offline
    oifits.Vizier = _NoVizier
    from genoca import calib

    calib.main(sys.argv[1:])
''')


def genoca_python() -> Path:
    env = os.environ.get("GENOCA_PYTHON")
    if env:
        return Path(env)
    return ROOT / "var" / "genoca-venv" / "bin" / "python"


def ensure_genoca(timeout: float = 900) -> Path:
    """The python of a venv with genoca installed (created on first use with pip)."""
    py = genoca_python()
    if py.exists() and subprocess.run([str(py), "-c", "import genoca"], capture_output=True).returncode == 0:
        return py
    venv = py.parent.parent
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=timeout)
    subprocess.run([str(py), "-m", "pip", "install", "-q", f"genoca=={GENOCA_VERSION}"], check=True,
                   timeout=timeout)
    return py


def run_genoca(prodir: Path, wdir: Path, *, python: Path | None = None, timescale_h: float = 2.0,
               extra: list[str] | None = None, timeout: float = 3600) -> float:
    """Run genoca on a folder of L1 files; returns its wall time in seconds."""
    python = python or ensure_genoca()
    wdir.mkdir(parents=True, exist_ok=True)
    script = wdir / "_genoca_offline.py"
    script.write_text(WRAPPER)
    env = {**os.environ, "MPLBACKEND": "Agg", "QT_QPA_PLATFORM": "offscreen"}
    env.pop("DISPLAY", None)
    start = time.perf_counter()
    proc = subprocess.run([str(python), str(script), str(prodir), "--wdir", str(wdir), "--notverb",
                           "--timscal", str(timescale_h), *(extra or [])], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=wdir)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"genoca failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed
