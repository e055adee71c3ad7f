"""The simulation's files are read by the portal as the fast in-memory path assumes; night labels."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from domain.site import night_of_mjd
from pipelines.analysis.oifits_io import read_oifits
from pipelines.calibration.oifits_io import read_l1
from tests.sim import survey as sv
from tests.sim.memory import l1file, oidata


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    rng = np.random.default_rng(3)
    sci = sv.science_stars(rng, [0.5, 2.0])
    cals = sv.calibrator_pool(rng, 2, near=sci)
    root = tmp_path_factory.mktemp("sim")
    n = sv.observe_night(sv.plan(sci, cals, 0), sv.instrument_for(0, rng), root / "l1")
    return sv.calibrate(n, root / "l2")


def test_written_l1_reads_back_as_the_in_memory_file(night):
    for visit, path in zip(night.visits, night.l1, strict=True):
        f, m = read_l1(path), l1file(visit)
        assert (f.role, f.target, f.start, f.mode) == (m.role, m.target, m.start, m.mode)
        assert f.bl_keys == m.bl_keys and f.tri_keys == m.tri_keys
        assert f.header_diameter == m.header_diameter
        for name in ("mjd", "u", "v", "vis2", "vis2_err", "t3phi", "t3phi_err", "t3amp", "u1", "v2"):
            assert np.allclose(getattr(f, name), getattr(m, name), rtol=1e-12, atol=1e-9), name


def test_l2_files_carry_the_error_split_the_fit_reads(night):
    for sr in night.result.science:
        data = read_oifits([night.l2[sr.l1.target]])
        mem = oidata([sr])
        v2, mv = data.v2, mem.v2
        assert np.allclose(v2.vis2, mv.vis2) and np.allclose(v2.vis2_err, mv.vis2_err)
        assert np.allclose(v2.err_stat, mv.err_stat) and v2.cal_names == mv.cal_names
        assert np.allclose(v2.cal_terms, mv.cal_terms) and np.allclose(v2.visit_rel, mv.visit_rel)
        assert np.array_equal(v2.record, mv.record) and np.unique(v2.record).size == 15
        # the standard column stays the total: VIS2ERR² = STAT² + VISIT² + Σ CALk²
        total = np.sqrt(v2.err_stat**2 + (v2.vis2 * v2.visit_rel) ** 2
                        + (v2.vis2[:, None] * v2.cal_terms) ** 2 @ np.ones(len(v2.cal_names)))
        assert np.allclose(v2.vis2_err, total, rtol=1e-9)
        assert len(v2.cal_names) == 2 and np.all(v2.cal_terms < 0)  # a larger calibrator → lower V²
        assert np.array_equal(v2.night, mv.night)


def test_night_label_is_the_chara_local_night(night):
    data = read_oifits(list(night.l2.values()))
    # MJD 60100 = 2023-06-05: 04:26-05:10 UT is the evening of 2023-06-04 at Mount Wilson (PDT): one night
    assert data.n_nights == 1
    assert night_of_mjd(float(data.v2.mjd.min())) == dt.date(2023, 6, 4)
    # the old floor(MJD - 0.5) split the night at 12:00 UT: 19:00 UT (noon PDT) belongs to the previous night
    assert night_of_mjd(60100.79) == dt.date(2023, 6, 4) and night_of_mjd(60100.80) == dt.date(2023, 6, 5)


def test_errors_are_never_shrunk_when_the_error_bars_are_too_large(night):
    from pipelines.analysis import fitting

    sr = night.result.science[0]
    data = oidata([sr])
    v2 = data.v2
    split = {"cal_terms": v2.cal_terms, "visit_rel": v2.visit_rel, "record": v2.record}
    honest = fitting.fit_disk(v2.spatial_frequency, v2.vis2, v2.err_stat, **split)
    tripled = fitting.fit_disk(v2.spatial_frequency, v2.vis2, 3 * v2.err_stat, **split)
    assert tripled.chi2_red < 0.2
    # the statistical part grows threefold, the calibration part does not move: never divided by √χ²ᵣ
    assert tripled.err_formal > honest.err_formal
