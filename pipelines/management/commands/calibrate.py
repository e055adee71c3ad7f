"""`manage.py calibrate L1_FOLDER --out L2_FOLDER [parameters] [--json]`: the portal's L2 calibration on a folder."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from domain.instruments import get_instrument
from pipelines.calibration import selectors
from pipelines.calibration.engine import CalParams, Diameter
from pipelines.calibration.folder import REPORT_NAME, calibrate_folder, header_diameter
from pipelines.calibration.oifits_io import L1File


def _catalogue_diameter(f: L1File) -> Diameter | None:
    """The portal's calibrator catalogue (JSDC rows): UD diameter in the instrument's band."""
    cal = selectors.calibrator_by_name(f.target)
    field = get_instrument(f.instrument).calibrator_diameter_field
    if cal is None or not getattr(cal, field):
        return None
    return Diameter(float(getattr(cal, field)), float(getattr(cal, f"e_{field}") or 0.0), "catalog")


def _catalogue_flag(name: str) -> str | None:
    """Why the catalogue excludes a calibrator by default (its active flags), None when it does not."""
    cal = selectors.calibrator_by_name(name)
    flags = selectors.active_flags(calibrator=cal) if cal else []
    return "; ".join(f"flag {fl.get_kind_display()}" + (f": {fl.comment}" if fl.comment else "")
                     for fl in flags) or None


def _given(values: list[str]) -> dict[str, Diameter]:
    """--diameter NAME=VALUE[:ERROR] (mas)."""
    out = {}
    for item in values:
        name, _, number = item.partition("=")
        value, _, err = number.partition(":")
        try:
            out[name.strip()] = Diameter(float(value), float(err or 0.0), "command line")
        except ValueError:
            raise CommandError(f"--diameter {item!r}: expected NAME=VALUE[:ERROR] in mas")
        if not out[name.strip()].value > 0 or out[name.strip()].error < 0:
            raise CommandError(f"--diameter {item!r}: the diameter must be > 0 and its error >= 0")
    return out


class Command(BaseCommand):
    help = ("Calibrate a folder of L1 OIFITS files (every CHARA night and instrumental setup in it) into L2 "
            f"files and {REPORT_NAME}; exit status 1 when a file or a setup could not be calibrated.")

    def add_arguments(self, parser):
        parser.add_argument("l1_folder")
        parser.add_argument("--out", required=True, help="folder for the L2 files and the run report")
        parser.add_argument("--diameters", choices=("auto", "catalogue", "header"), default="auto",
                            help="calibrator diameters: the portal's catalogue, the JSDC DIAMETER header cards, or "
                                 "catalogue then header (auto, the portal's order)")
        parser.add_argument("--diameter", action="append", default=[], metavar="NAME=VALUE[:ERROR]",
                            help="a calibrator's UD diameter in mas (overrides the other sources)")
        parser.add_argument("--ignore-flags", action="store_true", help="do not exclude catalogue-flagged calibrators")
        parser.add_argument("--scheme", default=CalParams.scheme, help="TF interpolation scheme")
        parser.add_argument("--time-scale-h", type=float, default=CalParams.time_scale_h)
        parser.add_argument("--sky-scale-deg", type=float, default=None)
        parser.add_argument("--err-floor", type=float, default=CalParams.err_floor)
        parser.add_argument("--chi2-threshold", type=float, default=CalParams.chi2_threshold)
        parser.add_argument("--exclude-calibrator", action="append", default=[], metavar="NAME")
        parser.add_argument("--exclude-baseline", action="append", default=[], metavar="S1-E1")
        parser.add_argument("--exclude-channel", action="append", default=[], type=int, metavar="INDEX")
        parser.add_argument("--no-suspect-detection", action="store_true")
        parser.add_argument("--keep-suspects", action="store_true", help="calibrate with suspect calibrators too")
        parser.add_argument("--no-companion-screen", action="store_true",
                            help="do not screen each calibrator for a companion in its data calibrated by the others")
        parser.add_argument("--json", action="store_true", help="print the run report as JSON")

    def handle(self, *args, **o):
        folder = Path(o["l1_folder"])
        if not folder.is_dir():
            raise CommandError(f"no such folder: {folder}")
        try:
            params = CalParams.from_dict({
                "scheme": o["scheme"], "time_scale_h": o["time_scale_h"], "sky_scale_deg": o["sky_scale_deg"],
                "err_floor": o["err_floor"], "chi2_threshold": o["chi2_threshold"],
                "excluded_calibrators": o["exclude_calibrator"], "excluded_baselines": o["exclude_baseline"],
                "excluded_channels": o["exclude_channel"], "detect_suspects": not o["no_suspect_detection"],
                "exclude_suspects": not o["keep_suspects"], "companion_screen": not o["no_companion_screen"]})
        except (ValueError, TypeError) as exc:
            raise CommandError(f"invalid parameter: {exc}")
        given = _given(o["diameter"])
        source = o["diameters"]

        def diameter(f: L1File) -> Diameter | None:
            if f.target in given:
                return given[f.target]
            found = _catalogue_diameter(f) if source in ("auto", "catalogue") else None
            if found is None and source in ("auto", "header"):
                found = header_diameter(f)
            return found

        flag = None if o["ignore_flags"] or source == "header" else _catalogue_flag
        report = calibrate_folder(folder, Path(o["out"]), params, diameter, flag)
        if o["json"]:
            self.stdout.write(json.dumps(json.loads((Path(o["out"]) / REPORT_NAME).read_text()), indent=1))
        else:
            self._summary(report)
        if not report["ok"]:
            raise CommandError("some files could not be calibrated or checked: see the report "
                               f"{Path(o['out']) / REPORT_NAME}")

    def _summary(self, report: dict) -> None:
        w = self.stdout.write
        w(f"{report['files_read']} L1 files read from {report['l1_folder']}, {len(report['l2_files'])} L2 files "
          f"written to {report['out_folder']} (report {REPORT_NAME})")
        for e in report["read_errors"]:
            w(f"  unreadable {e['file']}: {e['error']}")
        for g in report["groups"]:
            cals = ", ".join(f"{k} {v['value']:.3f}±{v['error']:.3f} mas ({v['source']})" if v else f"{k} (none)"
                             for k, v in g["diameters"].items())
            w(f"night {g['night']} setup {g['setup']}: {len(g['science'])} L2, calibrators {cals}")
            for name in g["suspects"]:
                w(f"  suspect calibrator {name}")
            for x in g["excluded"]:
                w(f"  excluded {x['name']}: {x['reason']}")
            for err in g["errors"]:
                w(f"  error: {err}")
            for s in g["science"]:
                w(f"  {s['l2']}: {s['target']} with {', '.join(s['calibrators'])} - check {s['check']['verdict']}")
