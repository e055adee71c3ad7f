"""`manage.py oifits_check FILE... [--json | --table]`: the archive's OIFITS checker from the command line."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.oifits_checks import check_oifits
from archive.oifits_rules import RULES, Report


def known_answer_table(reports: list[Report]) -> str:
    """Markdown table (file, instrument, OIFITS version, verdict, rules fired) - the README's known answers."""
    lines = ["| file | instrument | OIFITS | verdict | rules fired |", "|---|---|---|---|---|"]
    for r in reports:
        fired = ", ".join(f"{code} ({sev})" for sev, code in (f.split(":", 1) for f in r.fired())) or "-"
        instrument = r.summary.get("instrument") or ", ".join(r.summary.get("insnames", [])) or "-"
        lines.append(f"| {Path(r.path).name} | {instrument} | {r.version or '-'} "
                     f"| {r.verdict} | {fired} |")
    return "\n".join(lines)


def rules_table() -> str:
    """Markdown table of the rule set (id, severity, section of the standard, OITools rule, note)."""
    lines = ["| rule | severity | section | OITools rule (severity) | checks |", "|---|---|---|---|---|"]
    for r in RULES.values():
        sev = "/".join((r.severity, *r.also))
        text = r.description + (f"; {r.note}" if r.note else "")
        lines.append(f"| {r.code} | {sev} | {r.section} | {r.oitools} | {text} |")
    return "\n".join(lines)


class Command(BaseCommand):
    help = ("Check OIFITS files against OIFITS 1/2 and OITools' rules: verdict and rules fired per file "
            "(exit status 1 when a file has an error).")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="OIFITS files or folders")
        out = parser.add_mutually_exclusive_group()
        out.add_argument("--json", action="store_true", help="one JSON document: a report per file")
        out.add_argument("--table", action="store_true", help="Markdown known-answer table")
        out.add_argument("--rules", action="store_true", help="Markdown table of the rule set")

    def handle(self, *args, **opts):
        if opts["rules"]:
            self.stdout.write(rules_table())
            return
        if not opts["files"]:
            raise CommandError("give one or more OIFITS files")
        paths: list[Path] = []
        for name in opts["files"]:  # a folder stands for its FITS files
            p = Path(name)
            paths += sorted(x for x in p.iterdir() if x.suffix.lower() in (".fits", ".fit", ".oifits")) \
                if p.is_dir() else [p]
        reports = [check_oifits(f) for f in paths]
        if opts["json"]:
            self.stdout.write(json.dumps({"files": [r.as_dict() for r in reports]}, indent=1, default=str))
        elif opts["table"]:
            self.stdout.write(known_answer_table(reports))
        else:
            for r in reports:
                self.stdout.write(f"{r.verdict.upper():7} {r.path} (OIFITS {r.version or '?'})")
                for p in r.problems:
                    where = ".".join(x for x in (p.hdu, p.column) if x)
                    self.stdout.write(f"  {p.severity:7} {p.code:20} [{p.section}] {where}: {p.message}")
        bad = [r.path for r in reports if not r.ok]
        if bad:
            raise CommandError(f"{len(bad)} of {len(reports)} file(s) have errors")
