"""The oimodeler engine (PyPI oimodeler 0.8.1, whose only fitter is oimFitterEmcee).

oimodeler reads the OIFITS files itself (`data.sources`); only OI_VIS2 is kept
(its χ² would otherwise mix V², visibilities and closure phases). The result is
the maximum-likelihood sample ("best"); the error is the posterior half-width
divided by √(N−1), because 0.8.1 returns bars too wide by that factor
(docs/reference.md, "oimodeler versions"). The χ² is recomputed on V² with our
own model so both engines report the same statistic. MCMC makes it slow: use it
for one target at a time, when a person asks for a model the scipy engine lacks.
"""
from __future__ import annotations

import numpy as np

from pipelines.analysis.engines import EngineError, EngineFit, FitEngine
from pipelines.analysis.fitting import vis2_model
from pipelines.analysis.oifits_io import OiData


class OimodelerEngine(FitEngine):
    name = "oimodeler"
    models = ("ud", "binary")

    def __init__(self, *, nwalkers: int = 12, nsteps: int = 400, discard: int = 150, seed: int = 1,
                 max_diameter: float = 20.0) -> None:
        self.nwalkers, self.nsteps, self.discard, self.seed = nwalkers, nsteps, discard, seed
        self.max_diameter = max_diameter

    def version(self) -> str:
        import oimodeler

        return f"oimodeler {getattr(oimodeler, '__version__', '?')} (emcee)"

    def _model(self, model: str):
        import oimodeler as oim

        primary = oim.oimUD(d=1.0, f=1.0)
        primary.params["d"].set(min=0.01, max=self.max_diameter)
        if model == "ud":
            primary.params["f"].free = False
            return oim.oimModel(primary), primary, None
        secondary = oim.oimPt(x=1.0, y=1.0, f=0.2)
        secondary.params["x"].set(min=-30.0, max=30.0)
        secondary.params["y"].set(min=-30.0, max=30.0)
        secondary.params["f"].set(min=0.0, max=1.0)
        primary.params["f"].free = False
        return oim.oimModel(primary, secondary), primary, secondary

    def _fit(self, data: OiData, model: str, options: dict) -> EngineFit:
        import oimodeler as oim

        if not data.sources:
            raise EngineError("the oimodeler engine reads OIFITS files: no source file in the data")
        oidata = oim.oimData(list(data.sources))
        oidata.setFilter(oim.oimDataFilter([oim.oimRemoveArrayFilter(targets="all",
                                                                      arr=["OI_VIS", "OI_T3", "OI_FLUX"]
                                                                      if model == "ud" else ["OI_VIS", "OI_FLUX"])]))
        oim_model, primary, secondary = self._model(model)
        np.random.seed(options.get("seed", self.seed))  # emcee's start draws from numpy's global generator
        nwalkers = options.get("nwalkers", self.nwalkers)
        nsteps = options.get("nsteps", self.nsteps)
        fitter = oim.oimFitterEmcee(oidata, oim_model, nwalkers=nwalkers)
        fitter.prepare(init="random")
        fitter.run(nsteps=nsteps, progress=False)
        best, err_low, err_high, _ = fitter.getResults(mode="best", discard=min(self.discard, nsteps // 2))
        names = list(oim_model.getFreeParameters())
        values = {name: float(v) for name, v in zip(names, best, strict=False)}
        theta = float(primary.params["d"].value)
        n = len(data.v2)
        half = 0.5 * (float(err_low[0]) + float(err_high[0]))
        resid = (vis2_model(data.v2.spatial_frequency, theta) - data.v2.vis2) / data.v2.vis2_err
        chi2_red = float(np.sum(resid**2) / max(n - 1, 1)) if model == "ud" else float("nan")
        return EngineFit(engine=self.name, engine_version=self.version(), model=model, theta=theta,
                         err=half / np.sqrt(max(n - 1, 1)), chi2_red=chi2_red, n_points=n, seconds=0.0,
                         parameters={**values, "nwalkers": nwalkers, "nsteps": nsteps,
                                     "companion": None if secondary is None else {
                                         "x_mas": float(secondary.params["x"].value),
                                         "y_mas": float(secondary.params["y"].value),
                                         "flux_ratio": float(secondary.params["f"].value)}})
