"""Calibrate a folder of L1 files into a folder of L2 files and a run report, outside the portal.

Pure (no Django): `manage.py calibrate` supplies the calibrator diameters (catalogue and/or headers)
and the flags. The maths is the portal's own (`engine.calibrate_setup`, one call per CHARA night and
instrumental setup), the L2 files are written by the same `write_l2`, each is checked by the archive's
OIFITS checker, and the report carries what the portal's run report carries. A file that cannot be
read is listed with its reason and the others go on.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

from archive.oifits_checks import check_oifits
from domain.site import night_of_mjd
from pipelines.calibration.engine import SOFTWARE, CalParams, Diameter, calibrate_setup
from pipelines.calibration.grouping import group_by_setup
from pipelines.calibration.oifits_io import L1File, L1ReadError, read_l1, write_l2

DiameterLookup = Callable[[L1File], Diameter | None]
FlagLookup = Callable[[str], str | None]  # calibrator name -> why it is excluded by default (None: usable)
REPORT_NAME = "calibration_report.json"


def header_diameter(f: L1File) -> Diameter | None:
    """`JSDC DIAMETER` / `JSDC DIAMETER ERROR` of the file's header (what genoca reads)."""
    value, err = f.header_diameter
    return Diameter(value, err or 0.0, "header") if value else None


def read_folder(folder: Path) -> tuple[list[L1File], list[dict]]:
    """Every readable L1 file of a folder (sorted), and one error entry per file that is not."""
    files, errors = [], []
    for path in sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".fits", ".fit", ".oifits")):
        try:
            files.append(read_l1(path))
        except (L1ReadError, OSError, KeyError, ValueError, IndexError) as exc:
            errors.append({"file": path.name, "error": f"{type(exc).__name__}: {exc}"})
    return files, errors


def calibrate_folder(l1_folder: Path, out_folder: Path, params: CalParams, diameter: DiameterLookup,
                     flag: FlagLookup | None = None) -> dict:
    """Calibrate every (night, setup) of `l1_folder`; L2 files and `calibration_report.json` go to `out_folder`."""
    out_folder = Path(out_folder)
    out_folder.mkdir(parents=True, exist_ok=True)
    files, read_errors = read_folder(Path(l1_folder))
    groups: dict[tuple[str, str], list[L1File]] = {}
    for setup, members in group_by_setup(files).items():
        for f in members:
            groups.setdefault((night_of_mjd(float(f.mjd.min())).isoformat(), setup), []).append(f)
    report = {"software": SOFTWARE, "l1_folder": str(l1_folder), "out_folder": str(out_folder),
              "parameters": params.as_dict(), "files_read": len(files), "read_errors": read_errors, "groups": []}
    for (night, setup), members in sorted(groups.items()):
        report["groups"].append(_calibrate_group(night, setup, members, params, diameter, flag, out_folder))
    report["l2_files"] = [s["l2"] for g in report["groups"] for s in g["science"]]
    report["ok"] = not read_errors and all(not g["errors"] and all(s["check"]["ok"] for s in g["science"])
                                           for g in report["groups"])
    (out_folder / REPORT_NAME).write_text(json.dumps(_json_safe(report), indent=1, default=str))
    return report


def _calibrate_group(night: str, setup: str, files: list[L1File], params: CalParams, diameter: DiameterLookup,
                     flag: FlagLookup | None, out_folder: Path) -> dict:
    diameters = {f.target: diameter(f) for f in files if f.role == "CALIBRATION"}
    flagged = {name: why for name in diameters if flag and (why := flag(name))}
    result = calibrate_setup(files, diameters, flagged, params)
    science = []
    for sr in result.science:
        start = (sr.l1.start or "").split(".")[0].replace(":", "-")
        name = f"{sr.l1.instrument}_{start}_{sr.l1.target.replace(' ', '')}_L2.fits"
        path = write_l2(sr.l1.path, out_folder / name, sr.content, SOFTWARE)
        check = check_oifits(path)
        science.append({"target": sr.l1.target, "l1": sr.l1.path.name, "l2": name, "calibrators": sr.calibrators,
                        "check": {"ok": check.ok, "verdict": check.verdict, "rules": check.fired()}})
    return {"night": night, "setup": setup, "n_files": len(files),
            "diameters": {k: (vars(v) if v else None) for k, v in diameters.items()},
            "calibrators": result.calibrators, "excluded": result.excluded, "errors": result.errors,
            "checks": result.checks, "suspects": [c["name"] for c in result.checks if c.get("suspect")],
            "science": science}


def _json_safe(value):
    """NaN/inf are not JSON: written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _json_safe(value.item())
    return value
