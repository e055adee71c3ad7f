"""TF interpolation on the independent simulation: honest V² errors under jitter, no edge bias, all records."""
from __future__ import annotations

import numpy as np

from tests.sim import survey as sv


def _night(seed: int, *, jitter=0.0, drift=None, noise_rel=0.02, scheme="local", nrec=1, n_cal=2, exact=True):
    rng = np.random.default_rng(seed)
    sci = sv.science_stars(rng, [0.3, 0.6, 1.0, 1.8, 3.0])
    cals = sv.calibrator_pool(rng, n_cal, near=sci)
    if exact:  # catalogue = truth: the V² pulls then test the statistical budget alone
        for c in cals:
            c.catalog, c.catalog_err = c.theta, 0.0
    kw = {"jitter": jitter, "noise_rel": noise_rel}
    if drift is not None:
        kw["drift"] = drift
    visits, res = sv.night_in_memory(sv.plan(sci, cals, 0), sv.instrument_for(0, rng, **kw),
                                     {"scheme": scheme, "detect_suspects": False}, nrec=nrec)
    truth = {v.star.name: v for v in visits if v.star.science}
    return res, truth


def _pulls(res, truth):
    z = []
    for sr in res.science:
        true = truth[sr.l1.target].vis2_true.reshape(sr.content.vis2.shape)
        ok = true > 0.05
        z.append(((sr.content.vis2 - true) / sr.content.vis2_err)[ok])
    return np.concatenate(z)


def test_v2_errors_are_honest_with_3_percent_per_visit_jitter():
    z = np.concatenate([_pulls(*_night(seed, jitter=0.03)) for seed in range(8)])
    assert 0.9 <= np.std(z) <= 1.15, np.std(z)


def test_v2_errors_without_jitter_are_not_inflated():
    z = np.concatenate([_pulls(*_night(seed)) for seed in range(3)])
    assert 0.9 <= np.std(z) <= 1.1, np.std(z)


def _edge_bias(scheme: str) -> float:
    """Worst median |V²_cal/V²_true − 1| of the first and last science visits on a linear TF drift."""
    res, truth = _night(7, drift=(0.15, 0.0), noise_rel=0.001, scheme=scheme, n_cal=3)
    worst = 0.0
    for sr in (res.science[0], res.science[-1]):
        true = truth[sr.l1.target].vis2_true.reshape(sr.content.vis2.shape)
        ok = true > 0.3
        worst = max(worst, abs(float(np.median(sr.content.vis2[ok] / true[ok])) - 1.0))
    return worst


def test_no_edge_bias_on_a_linearly_drifting_tf():
    assert _edge_bias("local") < 0.002
    assert _edge_bias("weighted") > 0.002  # the gaussian-weighted mean lags at the ends of the night


def test_every_record_of_a_calibrator_file_is_used():
    res1, _ = _night(5, nrec=1)
    res3, _ = _night(5, nrec=3)
    visits = {c["name"]: c["visits"] for c in res3.calibrators}
    single = {c["name"]: c["visits"] for c in res1.calibrators}
    assert all(visits[n] == 3 * single[n] for n in single)  # 3 records per baseline → 3 TF visits per file
    # each record is its own TF point, at its own time
    t1 = sorted({p["t"] for p in res1.tf_plot["points"]})
    t3 = sorted({p["t"] for p in res3.tf_plot["points"]})
    assert len(res3.tf_plot["points"]) == 3 * len(res1.tf_plot["points"]) and len(t3) == 3 * len(t1)
