"""Diameter error bars that hold: pulls over simulated 8-night surveys (independent simulation, tests/sim)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.sim import survey as sv

pytestmark = pytest.mark.slow


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("model", ["ud", "ld"])
def test_diameter_pulls_are_unit_for_every_star_size(model):
    # 30 surveys of 8 nights x 5 stars (fixed seeds); bench/bench_error_chain.py prints the same figures
    pulls = sv.survey_pulls(model=model, realisations=30, nights=8)
    for size, p in pulls.items():
        split, total = np.array(p["split"]), np.array(p["total"])
        std, rms = float(np.std(split, ddof=1)), float(np.sqrt(np.mean(split**2)))
        assert 0.8 <= std <= 1.3 and rms <= 1.3, (size, std, rms)
        # the same data fitted with VIS2ERR as independent errors: the calibrator error averaged down
        if size <= 0.6:
            assert np.sqrt(np.mean(total**2)) > 3.0, (size, total)
