"""The demo night calibrates whatever the noise draw: its good calibrators are never refused as a pair.

The demo's plan (three CAL–SCI–CAL visits: HD 40504, HD 93447, HD 54943, catalogue diameters true, errors
0.015 mas) is taken from demo.ingest itself; each seed of `synthetic.night_specs` is a new noise and
TF draw, written as raw files, reduced by the stand-in reducer and read back as the portal does. With the
earlier pair statistic seed 14 was refused ("pair inconsistent … cannot tell which") and 5 of these 15
seeds had a pair tension above χ²(2)'s 99th percentile (9.21), up to 35.
"""
from __future__ import annotations

import pytest

from demo.standin_cli import reduce_file
from demo.synthetic import raw as synthetic
from domain.instruments import get_instrument
from pipelines.calibration.engine import CalParams, Diameter, calibrate_setup
from pipelines.calibration.grouping import group_by_setup
from pipelines.calibration.oifits_io import read_l1

SEEDS = range(1, 16)


class _Planned(Exception):
    pass


def _demo_plan(monkeypatch) -> list[synthetic.VisitPlan]:
    """The VisitPlans demo.ingest.load() draws (stopped before it writes anything)."""
    from demo import ingest as pipelines_demo

    seen = {}

    def capture(visits, **kw):
        seen["visits"] = visits
        raise _Planned

    monkeypatch.setattr(synthetic, "night_specs", capture)
    with pytest.raises(_Planned):
        pipelines_demo.load()
    monkeypatch.undo()
    return seen["visits"]


@pytest.mark.django_db
def test_demo_night_calibrates_for_every_seed(demo, monkeypatch, tmp_path):
    from surveys.models import Calibrator

    visits = _demo_plan(monkeypatch)
    field = get_instrument("SPICA").calibrator_diameter_field
    diameters = {}
    for v in visits:
        cal = Calibrator.objects.get(name=v.calibrator[0])
        diameters[cal.name] = Diameter(getattr(cal, field), getattr(cal, f"e_{field}"), "catalog")
    assert len(diameters) == 3
    for seed in SEEDS:
        raw = synthetic.write_night(tmp_path / f"raw{seed}", synthetic.night_specs(visits, seed=seed))
        out = tmp_path / f"l1_{seed}"
        out.mkdir()
        (key, files), = group_by_setup([read_l1(reduce_file(p, out)) for p in raw]).items()
        res = calibrate_setup(files, diameters, {}, CalParams())
        assert res.errors == [], (seed, res.errors)
        assert not any(c["suspect"] for c in res.checks), seed
        assert len(res.science) == len(visits), seed
        tensions = [t for c in res.checks for t in c["pair_tension"].values()]
        assert len(tensions) == 6 and max(tensions) < 9.21, (seed, tensions)
