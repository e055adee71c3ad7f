"""The ISSP reduction STAND-IN: not an instrument team's pipeline.

It exists so tests and the demo have something real to run: a command-line
program (pipelines.reduction.standin_cli) that turns the project's own
synthetic raw files (pipelines.synthetic) into OIFITS2, run through the same
CommandLineRunner a real pipeline uses. Real data need the real pipelines,
configured in PIPELINES_REDUCTION_RUNNERS.
"""
from __future__ import annotations

from pipelines.reduction.command import CommandLineRunner

STANDIN_VERSION = "0.1"


class StandInRunner(CommandLineRunner):
    name = "issp-standin-reduction"
    command = ["{python}", "-m", "pipelines.reduction.standin_cli", "--outdir", "{workdir}", "{inputs}"]
    software_version = STANDIN_VERSION
    timeout_s = 120.0
