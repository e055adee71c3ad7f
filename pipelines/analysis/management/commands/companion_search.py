"""`manage.py companion_search FILE... [--json]`: the portal's companion screen on OIFITS files outside the portal."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from django.core.management.base import BaseCommand, CommandError

from pipelines.analysis.companion import CompanionDataError, Systematics, companion_search, read_binary_data


def _finite(value):
    """JSON has no infinity: a limit that no flux ratio ≤ 100 % reaches becomes null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def _pct(value: float) -> str:
    return f"{100 * value:7.2f}" if math.isfinite(value) else "   >100"


class Command(BaseCommand):
    help = ("Search one target's OIFITS files (V², closure phases) for a companion: position, flux ratio and nσ "
            "with errors, the primary's diameter, and the detection limits (flux ratio at 3σ/5σ vs separation).")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="OIFITS files of one target (any number of nights)")
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        parser.add_argument("--threshold", type=float, default=5.0, help="nσ for a detection (default 5)")
        parser.add_argument("--rmax", type=float, default=None, help="outer search radius in mas "
                            "(default: the bandwidth-smearing field of view)")
        parser.add_argument("--vis2-systematic", type=float, default=0.0,
                            help="relative V² calibration error common to one night (e.g. 0.02)")
        parser.add_argument("--cp-systematic", type=float, default=0.0,
                            help="closure-phase offset common to one night, degrees")
        parser.add_argument("--no-limits", action="store_true", help="skip the detection limits")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, files: list[str], **opts):
        missing = [f for f in files if not Path(f).is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        for name, value in (("--vis2-systematic", opts["vis2_systematic"]), ("--cp-systematic", opts["cp_systematic"]),
                            ("--threshold", opts["threshold"])):
            if value < 0 or not math.isfinite(value):
                raise CommandError(f"{name} must be a finite number >= 0 (got {value})")
        if opts["rmax"] is not None and not opts["rmax"] > 0:
            raise CommandError(f"--rmax must be > 0 mas (got {opts['rmax']})")
        try:
            data = read_binary_data(files)
        except CompanionDataError as exc:
            raise CommandError(str(exc))
        result = companion_search(data, systematics=Systematics(opts["vis2_systematic"], opts["cp_systematic"]),
                                  threshold=opts["threshold"], rmax=opts["rmax"], limits=not opts["no_limits"],
                                  seed=opts["seed"])
        if opts["json"]:
            out = dict(result.as_dict(), files=[str(Path(f)) for f in files],
                       n_vis2=len(data.vis2), n_closure_phases=len(data.cp))
            self.stdout.write(json.dumps(_finite(out), indent=1))
            return
        self._text(result, data)

    def _text(self, result, data) -> None:
        w = self.stdout.write
        nights = np.unique(np.concatenate([data.vis2.night, data.cp.night])).size
        w(f"{len(data.sources)} file(s): {len(data.vis2)} V², {len(data.cp)} closure phases, {nights} night(s)")
        w(f"single star: uniform disk {result.theta_single:.4f} ± {result.theta_single_err:.4f} mas, "
          f"reduced chi2 {result.chi2_red_single:.2f}")
        w(f"search: {result.rmin:.2f} to {result.rmax:.1f} mas, step {result.step:.2f} mas, {result.n_fits} fits, "
          f"{result.seconds.get('total', 0):.1f} s")
        c = result.best
        if c is None:
            w("companion: none (no starting point)")
        else:
            verdict = ("DETECTED" if result.detected
                       else f"not detected (best candidate below {result.threshold:g} sigma)")
            w(f"companion: {verdict}, {c.nsigma:.1f} sigma")
            w(f"  x = {c.x:.3f} ± {c.x_err:.3f} mas (East), y = {c.y:.3f} ± {c.y_err:.3f} mas (North); "
              f"separation {c.separation:.3f} mas, PA {c.position_angle:.1f} deg")
            w(f"  flux ratio = {100 * c.flux_ratio:.3f} ± {100 * c.flux_ratio_err:.3f} %")
            w(f"  primary diameter (UD) = {c.theta:.4f} ± {c.theta_err:.4f} mas, reduced chi2 {c.chi2_red:.2f}")
        if result.third is not None:
            t = result.third
            w(f"companion removed, next best: {t.nsigma:.1f} sigma at x = {t.x:.2f}, y = {t.y:.2f} mas, "
              f"flux ratio {100 * t.flux_ratio:.3f} %")
        if result.limits is not None:
            lim = result.limits
            w(f"detection limits (flux ratio detected at {lim.percentile:.0f} % of position angles):")
            w("  separation (mas)   3 sigma (%)   5 sigma (%)")
            for r, f3, f5 in zip(lim.radius, lim.curve(3), lim.curve(5), strict=True):
                w(f"  {r:16.2f}   {_pct(f3):>11}   {_pct(f5):>11}")
