"""A synthetic observing night: survey rows (program, night, stars, executed OBs) and its raw files."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from demo.synthetic import raw as synthetic
from surveys.models import Calibrator, Night, Observation, Program, Target

NIGHT = dt.date(2024, 3, 2)
T0 = dt.datetime(2024, 3, 3, 4, 0, tzinfo=dt.UTC)


def make_survey_night() -> dict:
    program, _ = Program.objects.get_or_create(code="issp", defaults={"title": "ISSP", "kind": "survey"})
    night, _ = Night.objects.get_or_create(date=NIGHT)
    stars = [("HD 1000", 10.0, 20.0, 1.2), ("HD 1001", 40.0, 30.0, 0.9)]
    cals = [("HD 2000", 11.0, 21.0, 0.3), ("HD 2001", 41.0, 31.0, 0.35)]
    visits = []
    for i, (star, cal) in enumerate(zip(stars, cals, strict=True)):
        target, _ = Target.objects.get_or_create(name=star[0], defaults={"ra_deg": star[1], "dec_deg": star[2]})
        target.programs.add(program)
        calibrator, _ = Calibrator.objects.get_or_create(name=cal[0], defaults={"ra_deg": cal[1], "dec_deg": cal[2],
                                                                                 "udd_r": cal[3]})
        start = T0 + dt.timedelta(hours=i)
        obs = Observation.objects.create(program=program, night=night, target=target, instrument="SPICA",
                                         mode="MR720", stations="S1-S2-E1-E2-W1-W2", start=start,
                                         end=start + dt.timedelta(minutes=20), r0=9.0, tau0=4.0)
        obs.calibrators.add(calibrator)
        visits.append(synthetic.VisitPlan("SPICA", "issp", star, cal, start + dt.timedelta(minutes=1)))
    return {"program": program, "night": night, "visits": visits}


def write_landing(folder: Path, visits) -> dict:
    """6 good files (one with missing keywords, one with far coordinates), a truncated one, an empty one,
    a duplicate under another name."""
    specs = synthetic.night_specs(visits)
    specs[1].drop = ("OBJECT", "OBS TARG NAME", "DATE-OBS", "PROG_ID", "PRO SCIENCE", "RA", "DEC")
    specs[4].overrides = {"RA": 45.0}  # 5 deg away from HD 1001
    paths = synthetic.write_night(folder, specs)
    bad = synthetic.write_raw(folder / "SPICA_truncated.fits", synthetic.RawSpec(
        instrument="SPICA", object="HD 1000", ra_deg=10.0, dec_deg=20.0, start=T0, seed=99))
    synthetic.truncate(bad)
    empty = folder / "SPICA_empty.fits"
    empty.write_bytes(b"")
    dup = folder / "copy_of_first.fits"
    shutil.copy(paths[0], dup)
    return {"good": paths, "missing_keywords": paths[1], "far_coordinates": paths[4], "truncated": bad,
            "empty": empty, "duplicate": dup}


def ingested_night_with_l1_run():
    """A survey night whose raw files are ingested (6 good ones) and an L1 run created but not queued."""
    import uuid

    from django.conf import settings

    from pipelines import services

    setup = make_survey_night()
    landing = Path(settings.RAW_ROOT) / f"landing-{uuid.uuid4().hex[:8]}"
    write_landing(landing, setup["visits"])
    ingest = services.ingest_run_execute(run=services.ingest_run_create(paths=[str(landing)], reduce=False,
                                                                        enqueue=False))
    assert ingest.report["new"] == 6
    return setup, services.l1_run_create(night_id=setup["night"].pk, enqueue=False)
