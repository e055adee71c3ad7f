"""Fitting engines behind one interface, chosen by name in settings.ANALYSIS_ENGINES.

Why two: the survey needs a fast, homogeneous UD/LD fit of every target (the
scipy engine, milliseconds per target), and a person sometimes wants a model
only oimodeler offers (binary, fast rotator...) on one target. Both must give
the same UD diameter on the same data (tests/analysis/test_engines.py).
Pure: no Django import.
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field

import scipy

from pipelines.analysis.fitting import fit_disk
from pipelines.analysis.oifits_io import OiData


class EngineError(ValueError):
    """The engine cannot fit this model, or the fit failed."""


@dataclass
class EngineFit:
    engine: str
    engine_version: str
    model: str
    theta: float  # UD (or primary) diameter, mas
    err: float  # mas, as the engine reports it
    chi2_red: float
    n_points: int
    seconds: float
    parameters: dict = field(default_factory=dict)  # every fitted parameter, for models beyond a disk

    def as_dict(self) -> dict:
        return asdict(self)


class FitEngine(ABC):
    """One way of fitting a model to the V² (and closure phases) of one target."""

    name: str = ""
    models: tuple[str, ...] = ()

    @abstractmethod
    def version(self) -> str: ...

    @abstractmethod
    def _fit(self, data: OiData, model: str, options: dict) -> EngineFit: ...

    def fit(self, data: OiData, *, model: str = "ud", **options) -> EngineFit:
        if model not in self.models:
            raise EngineError(f"engine {self.name!r} offers {', '.join(self.models)}, not {model!r}")
        start = time.perf_counter()
        result = self._fit(data, model, options)
        result.seconds = time.perf_counter() - start
        return result


class ScipyEngine(FitEngine):
    """Vectorised weighted least squares on V² (scipy.optimize.least_squares)."""

    name = "scipy"
    models = ("ud", "ld")

    def version(self) -> str:
        return f"scipy {scipy.__version__}"

    def _fit(self, data: OiData, model: str, options: dict) -> EngineFit:
        v2 = data.v2
        fit = fit_disk(v2.spatial_frequency, v2.vis2, v2.err_stat, model=model, law=options.get("law", "power"),
                       coeff=options.get("coeff", 0.0) if model == "ld" else 0.0, cal_terms=v2.cal_terms,
                       visit_rel=v2.visit_rel, record=v2.record)
        return EngineFit(engine=self.name, engine_version=self.version(), model=model, theta=fit.theta,
                         err=fit.err_formal, chi2_red=fit.chi2_red, n_points=fit.n_points, seconds=0.0,
                         parameters={"theta": fit.theta, "coeff": fit.coeff})
