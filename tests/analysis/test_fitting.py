"""Known answers of the pure fitting code: synthetic disks, shared Aspro2/MIRC-X files, bootstrap, LD table."""
from __future__ import annotations

import numpy as np
import pytest

from demo.synthetic.l2 import Companion, synthetic_oifits
from pipelines.analysis import fitting as F
from pipelines.analysis.limb_darkening import alpha_from_linear, band_of, coefficient_for, linear_coefficient
from pipelines.analysis.oifits_io import OifitsReadError, read_oifits

from .conftest import ASPRO_1MAS, ASPRO_2MAS, ASPRO_ROTATOR, BET_ARI


def _synthetic(tmp_path, name="s.fits", **kw):
    path = tmp_path / name
    path.write_bytes(synthetic_oifits(**kw))
    return read_oifits([path])


@pytest.mark.parametrize("theta,seed", [(0.35, 1), (0.8, 2), (1.7, 3), (3.2, 4)])
def test_synthetic_uniform_disks_are_fitted_back_within_their_errors(tmp_path, theta, seed):
    data = _synthetic(tmp_path, theta_mas=theta, seed=seed, noise=0.03)
    result = F.analyse(data, ld_coeff=0.5, seed=seed)
    err = max(result.ud.err_formal, result.ud.err_bootstrap)
    assert abs(result.ud.theta - theta) < 4 * err, (result.ud.theta, err)
    assert abs(result.ud.theta - theta) / theta < 0.01
    assert 0.7 < result.ud.chi2_red < 1.4
    assert result.closure.single_disk and "not_single_disk" not in result.flags
    assert result.ld.theta > result.ud.theta  # limb darkening makes the star look smaller as a UD


def test_fit_from_noisy_ld_data_recovers_ld_diameter_and_the_fitted_coefficient():
    rng = np.random.default_rng(5)
    sf = np.linspace(2e7, 4.2e8, 400)
    truth = F.vis2_model(sf, 2.5, model="ld", law="power", coeff=0.6)
    err = 0.01 * truth + 0.002
    data = truth + rng.normal(0, err)
    fixed = F.fit_disk(sf, data, err, model="ld", law="power", coeff=0.6)
    assert abs(fixed.theta - 2.5) < 4 * fixed.err_formal
    free = F.fit_disk(sf, data, err, model="ld", law="power", coeff=None)  # data go past the first null
    assert free.coeff_fitted and abs(free.coeff - 0.6) < 4 * free.coeff_err
    assert abs(free.theta - 2.5) < 4 * free.err_formal


def test_formal_error_is_scaled_by_reduced_chi2():
    rng = np.random.default_rng(0)
    sf = np.linspace(5e7, 3e8, 300)
    truth = F.vis2_model(sf, 1.0)
    err = np.full(sf.size, 0.01)
    honest = F.fit_disk(sf, truth + rng.normal(0, 0.01, sf.size), err)
    underestimated = F.fit_disk(sf, truth + rng.normal(0, 0.03, sf.size), err)  # bars 3x too small
    assert underestimated.chi2_red == pytest.approx(9, rel=0.25)
    assert underestimated.err_formal == pytest.approx(3 * honest.err_formal, rel=0.3)


def test_vectorised_bootstrap_equals_one_least_squares_per_resampling(tmp_path):
    data = _synthetic(tmp_path, theta_mas=1.1, seed=9, noise=0.05)
    v2 = data.v2
    sf = v2.spatial_frequency
    groups, over = F.bootstrap_groups(v2.night, v2.baseline)
    assert over == "baselines" and groups.max() == 14
    best = F.fit_disk(sf, v2.vis2, v2.vis2_err)
    fast = F.bootstrap_theta(sf, v2.vis2, v2.vis2_err, groups, theta0=best.theta, n_boot=25, seed=3)
    picks = np.random.default_rng(3).integers(0, 15, size=(25, 15))
    slow = []
    for pick in picks:
        idx = np.concatenate([np.flatnonzero(groups == g) for g in pick])
        slow.append(F.fit_disk(sf[idx], v2.vis2[idx], v2.vis2_err[idx]).theta)
    np.testing.assert_allclose(fast, slow, rtol=1e-5)


def test_bootstrap_resamples_nights_when_there_are_several():
    nights = np.repeat([60001, 60002, 60005], 10)
    groups, over = F.bootstrap_groups(nights, np.array(["S1-S2"] * 30))
    assert over == "nights" and sorted(set(groups)) == [0, 1, 2]


def test_models_limits_and_laws():
    assert F.vis_uniform(np.array([0.0]))[0] == 1.0
    x = np.linspace(0.01, 3, 50)
    np.testing.assert_allclose(F.vis_power_law(x, 0.0), F.vis_uniform(x), rtol=1e-10)  # α=0 is a UD
    np.testing.assert_allclose(F.vis_linear(x, 0.0), F.vis_uniform(x), rtol=1e-10)  # u=0 is a UD
    assert F.vis_linear(np.array([1e-9]), 0.6)[0] == pytest.approx(1.0)
    sf = np.linspace(1e7, 5e8, 100)
    np.testing.assert_allclose(F.vis2_model_fast(sf, 2.0, model="ld", coeff=0.4),
                               F.vis2_model(sf, 2.0, model="ld", coeff=0.4), atol=2e-6)


def test_limb_darkening_table_from_spectral_type():
    assert band_of(0.75e-6) == "R" and band_of(1.65e-6) == "H" and band_of(2.2e-6) == "K"
    u_k, source = linear_coefficient("K1.5III", 0.7e-6)
    u_a, _ = linear_coefficient("A0V", 0.7e-6)
    assert u_k > u_a and "K" in source
    assert "default" in linear_coefficient("", 0.7e-6)[1]
    alpha = alpha_from_linear(0.6)
    x = np.linspace(0.05, 3.8, 100)
    assert np.max(np.abs(F.vis_power_law(x, alpha) - F.vis_linear(x, 0.6))) < 0.01
    u_g2v = linear_coefficient("G2V", 0.7e-6)[0]
    assert coefficient_for("power", "G2V", 0.7e-6)[0] == alpha_from_linear(round(u_g2v, 4))


def test_aspro2_growing_uniform_disk_gives_the_simulated_diameters():
    for path, truth in [(ASPRO_1MAS, 1.00), (ASPRO_2MAS, 2.00)]:
        result = F.analyse(read_oifits([path]), ld_coeff=0.3)
        assert result.ud.theta == pytest.approx(truth, rel=2e-3)
        assert result.ud.chi2_red < 1.5 and result.flags == []
        assert result.closure.single_disk


def test_beta_ari_real_mircx_data_is_not_a_single_disk():
    result = F.analyse(read_oifits([BET_ARI]), ld_coeff=0.3)
    assert "not_single_disk" in result.flags
    assert result.closure.chi2_red > 10 * result.closure.threshold
    assert result.closure.fraction_beyond_3sigma > 0.3


def test_fast_rotator_and_synthetic_binary_are_flagged(tmp_path):
    assert "not_single_disk" in F.analyse(read_oifits([ASPRO_ROTATOR]), ld_coeff=0.3).flags
    data = _synthetic(tmp_path, theta_mas=1.0, companion=Companion(0.3, 2.0, 1.0), seed=2)
    assert "not_single_disk" in F.analyse(data, ld_coeff=0.3).flags


def test_reading_refuses_non_oifits(tmp_path):
    bad = tmp_path / "x.fits"
    bad.write_bytes(b"not a fits file at all" * 10)
    with pytest.raises(OifitsReadError):
        read_oifits([bad])
    with pytest.raises(OifitsReadError):
        read_oifits([])
