"""The ISSP reduction STAND-IN: not an instrument team's pipeline.

It exists so tests and the demo have something real to run: a command-line
program (demo.standin_cli) that turns the project's own
synthetic raw files (demo.synthetic.raw) into OIFITS2, run through the same
CommandLineRunner a real pipeline uses. Real data need the real pipelines,
configured in PIPELINES_REDUCTION_RUNNERS.
"""
from __future__ import annotations

import os
from pathlib import Path

from pipelines.reduction.command import CommandLineRunner

STANDIN_VERSION = "0.1"
SOURCE_ROOT = Path(__file__).resolve().parent.parent  # the demo package is not installed (pyproject packages)


class StandInRunner(CommandLineRunner):
    name = "issp-standin-reduction"
    command = ["{python}", "-m", "demo.standin_cli", "--outdir", "{workdir}", "{inputs}"]
    software_version = STANDIN_VERSION
    timeout_s = 120.0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The program runs in its work folder: it finds the demo package in the source tree.
        inherited = os.environ.get("PYTHONPATH", "")
        self.environment.setdefault("PYTHONPATH", os.pathsep.join(p for p in (str(SOURCE_ROOT), inherited) if p))
