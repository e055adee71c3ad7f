"""Run every bench/ script and print one table of its RESULT lines.

Each script prints lines `RESULT figure=<name> project=<v> baseline=<v> ratio=<v> target=<text>`
(the baseline measured in the same run). Usage: `make bench` or
`python bench/run_all.py [--only NAME ...]`.
"""
from __future__ import annotations

import argparse
import platform
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULT = re.compile(r"^RESULT\s+(.*)$")


def parse_result(line: str) -> dict[str, str] | None:
    match = RESULT.match(line.strip())
    if not match:
        return None
    fields = {}
    for token in shlex.split(match.group(1)):
        key, _, value = token.partition("=")
        fields[key] = value
    return fields


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        import os

        cores = os.cpu_count()
    except Exception:
        cores = "?"
    return f"{platform.node()} · {cpu} · {cores} cores · Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=None, help="script names (without .py) to run")
    args = parser.parse_args(argv)
    scripts = sorted(p for p in HERE.glob("bench_*.py"))
    if args.only:
        scripts = [p for p in scripts if p.stem in args.only or p.stem.removeprefix("bench_") in args.only]
    rows, failures = [], []
    for script in scripts:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        found = [r for r in (parse_result(line) for line in proc.stdout.splitlines()) if r]
        if proc.returncode != 0 or not found:
            failures.append((script.name, proc.returncode, (proc.stderr or proc.stdout)[-800:]))
        for r in found:
            rows.append([script.stem, r.get("figure", "?"), r.get("project", "?"), r.get("baseline", "?"),
                         r.get("ratio", "?"), r.get("target", "")])
        print(f"# {script.name}: {len(found)} figure(s) in {elapsed:.1f} s", file=sys.stderr)
    header = ["script", "figure", "project", "baseline", "ratio", "target"]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)] if rows else [10] * 6
    print(f"Machine: {machine()}")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    for name, code, tail in failures:
        print(f"\n{name} failed (exit {code}):\n{tail}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
