"""The engine interface, and the two engines side by side on the same file."""
from __future__ import annotations

import pytest

from pipelines.analysis.engines import EngineError, ScipyEngine
from pipelines.analysis.oifits_io import read_oifits

from .conftest import ASPRO_1MAS


def test_scipy_engine_fits_ud_and_refuses_models_it_lacks():
    data = read_oifits([ASPRO_1MAS])
    fit = ScipyEngine().fit(data, model="ud")
    assert fit.theta == pytest.approx(1.0, rel=2e-3) and fit.engine == "scipy" and fit.seconds < 2
    with pytest.raises(EngineError, match="binary"):
        ScipyEngine().fit(data, model="binary")


@pytest.mark.slow
def test_oimodeler_gives_the_same_ud_diameter_within_half_a_percent():
    pytest.importorskip("oimodeler")
    from pipelines.analysis.engines_oimodeler import OimodelerEngine

    data = read_oifits([ASPRO_1MAS])
    fast = ScipyEngine().fit(data, model="ud")
    slow = OimodelerEngine(nwalkers=8, nsteps=200, discard=80).fit(data, model="ud")  # one short MCMC run
    assert slow.engine == "oimodeler" and "oimodeler 0.8" in slow.engine_version
    assert abs(slow.theta / fast.theta - 1) < 0.005
    assert slow.chi2_red == pytest.approx(fast.chi2_red, rel=0.01)
