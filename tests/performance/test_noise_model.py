"""The noise-model fit recovers a known law from generated data with noise."""
import numpy as np
import pytest

from pipelines.performance.noise_model import NoiseLaw, bin_measurements, fit_noise_law

TRUE = NoiseLaw(zp=14.2, sigma_read=6.0, beta=12.0)


def _generate(law: NoiseLaw, n: int, seed: int, scatter_dex: float = 0.05):
    rng = np.random.default_rng(seed)
    mag = rng.uniform(2.0, 9.0, n)
    t_exp = rng.choice([0.005, 0.01, 0.02], n)
    tau0 = rng.uniform(2e-3, 1e-2, n)  # seconds
    n_frames = rng.choice([500, 1000, 2000], n)
    v2 = rng.uniform(0.3, 1.0, n)
    snr = law.snr(mag, t_exp, tau0, n_frames, v2) * 10 ** rng.normal(0, scatter_dex, n)
    return dict(snr=snr, mag=mag, t_exp=t_exp, tau0=tau0, n_frames=n_frames, v2_obj=v2)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fit_recovers_the_known_law_within_its_errors(seed):
    fit = fit_noise_law(**_generate(TRUE, 600, seed))
    for name in ("zp", "sigma_read", "beta"):
        value, error = getattr(fit.law, name), getattr(fit.errors, name)
        assert error > 0
        assert abs(value - getattr(TRUE, name)) < 4 * error, (name, value, error)
    assert fit.chi2_reduced == pytest.approx(0.05**2, rel=0.2)  # the injected scatter, in dex²
    assert fit.n_points == 600


def test_errors_shrink_with_more_data():
    small = fit_noise_law(**_generate(TRUE, 100, 7))
    large = fit_noise_law(**_generate(TRUE, 1600, 7))
    assert large.errors.zp < small.errors.zp / 2


def test_limiting_magnitude_is_where_snr_reaches_the_threshold():
    m_lim = TRUE.limiting_magnitude(t_exp=0.01, tau0=5e-3, n_frames=1000, snr_min=3.0)
    assert float(TRUE.snr(m_lim, 0.01, 5e-3, 1000)) == pytest.approx(3.0, rel=1e-3)
    # Better seeing (longer tau0) reaches fainter stars.
    assert TRUE.limiting_magnitude(t_exp=0.01, tau0=10e-3, n_frames=1000) > m_lim


def test_photon_and_read_noise_regimes():
    bright = TRUE.snr(np.array([2.0, 3.0]), 0.01, 1.0, 1)
    faint = TRUE.snr(np.array([12.0, 13.0]), 0.01, 1.0, 1)
    assert bright[0] / bright[1] == pytest.approx(10**0.2, rel=0.05)  # photon-limited
    assert faint[0] / faint[1] == pytest.approx(10**0.4, rel=0.05)  # read-noise limited


def test_invalid_points_are_ignored_and_too_few_refused():
    data = _generate(TRUE, 50, 4)
    data["snr"][:10] = np.nan
    assert fit_noise_law(**data).n_points == 40
    with pytest.raises(ValueError, match="at least 4"):
        fit_noise_law(snr=[1, 2], mag=[1, 2], t_exp=0.01, tau0=0.005, n_frames=100)


def test_bins_list_their_members():
    rows = bin_measurements([1.1, 1.2, 2.6, 2.7, 2.8], [100, 90, 20, 25, 30], width=0.5)
    assert [r["n"] for r in rows] == [2, 3]
    assert rows[1]["members"] == [2, 3, 4] and rows[1]["snr_median"] == 25
