"""Fixtures: a synthetic SPICA night registered as L1 products in the archive."""
from __future__ import annotations

import datetime as dt

import pytest

from pipelines.calibration import synthetic as syn


def register_night(tmp_path, *, date=dt.date(2023, 5, 12), n_files=12, calibrators=None, science=None,
                   catalog: dict | None = None, seed=3):
    """Write a synthetic night, create the survey rows and one L1 product per file.

    catalog maps calibrator name -> (udd_r, e_udd_r) to put in the catalog (None = not in catalog).
    """
    from archive.services import product_version_create
    from surveys.models import Calibrator, Night, Program, Target

    night_sim = syn.simulate_night(tmp_path / "l1", n_files=n_files, calibrators=calibrators, science=science,
                                   seed=seed)
    program, _ = Program.objects.get_or_create(code="ISSP", defaults={"title": "ISSP survey", "kind": "survey"})
    night, _ = Night.objects.get_or_create(date=date, defaults={"status": "observed", "instruments": ["SPICA"]})
    catalog = catalog if catalog is not None else {
        s.name: (s.diameter, s.diameter_err) for s in night_sim.stars.values() if not s.science}
    for star in night_sim.stars.values():
        if not star.science and star.name in catalog:
            d = catalog[star.name]
            Calibrator.objects.update_or_create(name=star.name, defaults=dict(
                ra_deg=star.ra, dec_deg=star.dec, udd_r=d[0] if d else None, e_udd_r=d[1] if d else None))
    versions = []
    for path in night_sim.files:
        truth = night_sim.truth[path.name]
        target, _ = Target.objects.get_or_create(name=truth["star"], defaults={"ra_deg": 250.0, "dec_deg": 20.0})
        v, _ = product_version_create(
            calib_level=1, kind="oifits", program=program, target=target, instrument="SPICA", night=night,
            setup="MR720", filename=path.name, source_path=path, key=f"L1/SPICA/{path.stem}",
            t_min=truth["mjd"], t_max=truth["mjd"])
        versions.append(v)
    return night, night_sim, versions


@pytest.fixture
def l1_night(db, tmp_path):
    return register_night(tmp_path)
