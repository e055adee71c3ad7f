"""A runner for real pipelines: a command-line template and an environment, run as a subprocess.

The template is a list of arguments where `{inputs}` expands to the raw files,
`{workdir}` to the output folder and `{python}` to this interpreter. The
process runs with a time limit; stdout and stderr are captured into the log
(and `workdir/reduction.log`); a time-out or an exit status listed in
`transient_exit_codes` is a TransientReductionError (the task retries it).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pipelines.reduction.base import BaseReductionRunner, ReductionResult, TransientReductionError

OUTPUT_SUFFIXES = (".fits", ".oifits")


class CommandLineRunner(BaseReductionRunner):
    name = "command-line"
    command: list[str] = []
    environment: dict[str, str] = {}
    timeout_s: float = 600.0
    transient_exit_codes: frozenset[int] = frozenset({75})  # EX_TEMPFAIL
    software_version = "unknown"

    def __init__(self, *, command: list[str] | None = None, environment: dict[str, str] | None = None,
                 timeout_s: float | None = None, name: str | None = None, version: str | None = None):
        self.command = list(command or self.command)
        self.environment = dict(environment or self.environment)
        self.timeout_s = timeout_s or self.timeout_s
        self.name = name or self.name
        self.software_version = version or self.software_version

    def version(self) -> str:
        return self.software_version

    def build_command(self, raw_files: list[Path], workdir: Path) -> list[str]:
        args: list[str] = []
        for part in self.command:
            if part == "{inputs}":
                args.extend(str(p) for p in raw_files)
            else:
                args.append(part.format(workdir=workdir, python=sys.executable))
        return args

    def run(self, raw_files: list[Path], workdir: Path) -> ReductionResult:
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        before = set(workdir.iterdir())
        cmd = self.build_command(raw_files, workdir)
        env = {**os.environ, **self.environment}
        started = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=self.timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise TransientReductionError(f"{self.name} timed out after {self.timeout_s:.0f} s: {exc.stderr or ''}")
        except OSError as exc:  # executable missing, no memory to fork, ...
            raise TransientReductionError(f"{self.name} could not start: {exc}")
        log = f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}exit status {proc.returncode}\n"
        (workdir / "reduction.log").write_text(log)
        if proc.returncode in self.transient_exit_codes:
            raise TransientReductionError(
                f"{self.name} exited with {proc.returncode} (transient): {proc.stderr[-500:]}")
        outputs = sorted(p for p in set(workdir.iterdir()) - before
                         if p.suffix.lower() in OUTPUT_SUFFIXES and not p.name.startswith("."))
        return ReductionResult(outputs=outputs, log=log, exit_status=proc.returncode, software=self.software,
                               duration_s=time.monotonic() - started, command=cmd)
