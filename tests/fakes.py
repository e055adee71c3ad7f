"""Test doubles shared by the suite.

`InProcessStandInRunner` runs the stand-in reduction program in this process
instead of starting a Python interpreter per raw file (~0.8 s each). It gives
the same software name, the same output bytes and the same failure behaviour
(transient marker, bad input), so a test that is not about the subprocess sees
exactly what the command-line runner would give it. The subprocess path is
covered by tests/pipelines/test_reduction.py and the real-worker tests, which
ask for it with the `subprocess_reducer` marker.
"""
from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path

from demo import standin_cli
from demo.standin import StandInRunner
from pipelines.reduction.base import ReductionResult, TransientReductionError
from pipelines.reduction.command import OUTPUT_SUFFIXES


class InProcessStandInRunner(StandInRunner):
    """The stand-in reduction, called as a function (same name, version, outputs and exit statuses)."""

    def run(self, raw_files: list[Path], workdir: Path) -> ReductionResult:
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        before = set(workdir.iterdir())
        cmd = self.build_command(raw_files, workdir)
        started = time.monotonic()
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = standin_cli.main(cmd[3:])  # drop "{python} -m demo.standin_cli"
        log = f"$ {' '.join(cmd)}\n{out.getvalue()}{err.getvalue()}exit status {status}\n"
        (workdir / "reduction.log").write_text(log)
        if status in self.transient_exit_codes:
            raise TransientReductionError(f"{self.name} exited with {status} (transient): {err.getvalue()[-500:]}")
        outputs = sorted(p for p in set(workdir.iterdir()) - before
                         if p.suffix.lower() in OUTPUT_SUFFIXES and not p.name.startswith("."))
        return ReductionResult(outputs=outputs, log=log, exit_status=status, software=self.software,
                               duration_s=time.monotonic() - started, command=cmd)
