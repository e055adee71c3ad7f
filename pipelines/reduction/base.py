"""The one base class for L1 reduction runners (chosen per instrument in PIPELINES_REDUCTION_RUNNERS)."""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path


class ReductionError(Exception):
    """The reduction failed for good (bad input, pipeline error): retrying will not help."""


class TransientReductionError(Exception):
    """The reduction failed for a reason that may go away (time-out, resource busy): retry later."""


@dataclass
class ReductionResult:
    """What one reduction produced: the output files, the captured log and the exit status."""

    outputs: list[Path]
    log: str = ""
    exit_status: int = 0
    software: str = ""
    duration_s: float = 0.0
    command: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_status == 0 and bool(self.outputs)


class BaseReductionRunner(abc.ABC):
    """Runs one instrument team's reduction on raw files, writing its outputs into `workdir`."""

    name: str = "base"

    @abc.abstractmethod
    def run(self, raw_files: list[Path], workdir: Path) -> ReductionResult:
        """Reduce `raw_files` into `workdir`; raise TransientReductionError for retryable failures."""

    @abc.abstractmethod
    def version(self) -> str:
        """Version string of the reduction software, recorded with every product."""

    @property
    def software(self) -> str:
        return f"{self.name} {self.version()}"
