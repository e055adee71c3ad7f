"""`manage.py fit FILE... [--json]`: the survey's UD/LD diameter fit with errors and flags, on any OIFITS files."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pipelines.analysis import selectors
from pipelines.analysis.cli import fit_files, text_lines


class Command(BaseCommand):
    help = ("Fit uniform-disk and limb-darkened diameters (one fit per OI_TARGET name) with formal and bootstrap "
            "errors, the closure-phase test and the survey's flags; exit status 1 when nothing could be fitted.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--spectral-type", default=None,
                            help="spectral type for the LD coefficients (default: OI_TARGET SPECTYP of the file)")
        parser.add_argument("--ld-law", choices=("power", "linear"), default=None)
        parser.add_argument("--fit-ld-coeff", action="store_true", help="fit the LD coefficient too")
        parser.add_argument("--bootstrap", type=int, default=None, help="bootstrap resamplings (0: none)")
        parser.add_argument("--cp-threshold", type=float, default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        missing = [f for f in o["files"] if not Path(f).is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        boot = selectors.settings_value("BOOTSTRAP") if o["bootstrap"] is None else o["bootstrap"]
        if boot < 0:
            raise CommandError("--bootstrap must be >= 0")
        results, errors = fit_files(
            [Path(f) for f in o["files"]], spectral_type=o["spectral_type"],
            law=o["ld_law"] or selectors.settings_value("LD_LAW"), fit_coeff=o["fit_ld_coeff"], n_boot=int(boot),
            cp_threshold=float(o["cp_threshold"] or selectors.settings_value("CP_THRESHOLD")),
            poor_fit_chi2=float(selectors.settings_value("POOR_FIT_CHI2")))
        if o["json"]:
            self.stdout.write(json.dumps({"results": results, "errors": errors}, indent=1))
        else:
            for r in results:
                for line in text_lines(r):
                    self.stdout.write(line)
            for e in errors:
                self.stdout.write(f"not fitted: {e.get('target') or e.get('file')}: {e['error']}")
        if not results:
            raise CommandError("no target could be fitted")
