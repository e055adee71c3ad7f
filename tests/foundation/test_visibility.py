import numpy as np
import pytest

from issp_portal.visibility import MAS, ud_vis2, ud_visibility


def test_ud_visibility_known_values():
    first_null = 3.831705970207512 / (np.pi * MAS)  # spatial frequency of the first null of a 1 mas disk
    assert ud_visibility(np.array([0.0]), 1.0)[0] == 1.0
    assert ud_visibility(np.array([first_null]), 1.0)[0] == pytest.approx(0.0, abs=1e-12)
    assert ud_visibility(np.array([1.2 * first_null]), 1.0)[0] < 0  # signed beyond the null
    # small x: V² ≈ 1 - x²/4
    x = 0.01
    assert ud_vis2(np.array([x / (np.pi * MAS)]), 1.0)[0] == pytest.approx(1 - x**2 / 4, rel=1e-9)
