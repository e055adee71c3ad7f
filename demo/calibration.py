"""Demo step: L2 calibration of the demo nights.

1. The night the ingest demo reduced to L1 (demo.ingest) is calibrated through the
   automatic trigger `night_calibrate_if_complete`.
2. A synthetic SPICA night (2024-05-12, 24 files, 4 calibrators one of which is a binary)
   shows the TF plot, the exclusion of a flagged calibrator and the automatic suspect.
Loading twice creates no new version (same inputs, same parameters).
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from demo.synthetic import l1 as syn
from pipelines.calibration import services

SHOWCASE_DATE = dt.date(2024, 5, 12)


def register_synthetic_night(folder: Path, *, date: dt.date = SHOWCASE_DATE, n_files: int = 12,
                             calibrators: list[syn.Star] | None = None, science: list[syn.Star] | None = None,
                             catalog: dict | None = None, seed: int = 3):
    """Write a synthetic night, create its survey rows and one archived L1 product per file.

    `catalog` maps calibrator name -> (udd_r, e_udd_r) or None (in the catalog without diameter);
    calibrators absent from it are not in the catalog. Default: all, with their true diameter.
    """
    from archive.services import product_version_create
    from domain.site import mjd_of_night
    from surveys.models import Calibrator, Program, Target
    from surveys.services import night_get_or_create

    # The files are dated in the night they belong to (from 20:36 local time on), as a real night's are.
    sim = syn.simulate_night(folder, n_files=n_files, calibrators=calibrators, science=science, seed=seed,
                             mjd0=mjd_of_night(date, hours_ut=3.6))
    program = Program.objects.filter(kind="survey").first() or Program.objects.get_or_create(
        code="ISSP", defaults={"title": "ISSP survey", "kind": "survey"})[0]
    night = night_get_or_create(date=date, status="observed", instruments=["SPICA"])
    catalog = catalog if catalog is not None else {
        s.name: (s.diameter, s.diameter_err) for s in sim.stars.values() if not s.science}
    for star in sim.stars.values():
        if not star.science and star.name in catalog:
            d = catalog[star.name]
            Calibrator.objects.get_or_create(name=star.name, defaults=dict(
                ra_deg=star.ra, dec_deg=star.dec, udd_r=d[0] if d else None, e_udd_r=d[1] if d else None,
                source="synthetic"))
    versions = []
    for path in sim.files:
        truth = sim.truth[path.name]
        star = sim.stars[truth["star"]]
        target, _ = Target.objects.get_or_create(name=truth["star"], defaults={"ra_deg": star.ra,
                                                                               "dec_deg": star.dec})
        v, _ = product_version_create(
            calib_level=1, kind="oifits", program=program, target=target, instrument="SPICA", night=night,
            setup="MR720", filename=path.name, source_path=path, key=f"L1/SPICA/{date.isoformat()}/{path.stem}",
            t_min=truth["mjd"], t_max=truth["mjd"])
        versions.append(v)
    return night, sim, versions


def _allocate_to_survey(night) -> None:
    """The showcase night belongs to the survey whose L1 files it holds (a night with data has a program)."""
    from domain.site import semester_of
    from surveys.models import NightAllocation, Program, Semester

    program = Program.objects.filter(kind="survey").order_by("priority", "code").first()
    if program is None or night.allocations.exists():
        return
    NightAllocation.objects.create(night=night, program=program, fraction=1.0, instruments=["SPICA"])
    if night.semester_id is None:
        code, start, end = semester_of(night.date)
        night.semester = Semester.objects.get_or_create(code=code, defaults={"start": start, "end": end})[0]
        night.save(update_fields=["semester"])
        program.semesters.add(night.semester)


def _record_observations(night, versions) -> None:
    """One executed Observation per science star of the showcase night, with the calibrators observed around it
    (the night's data, its L1 files and its L2 run then tell the same story as its observations)."""
    from astropy.time import Time

    from surveys.models import Calibrator
    from surveys.services import observation_record

    known = set(Calibrator.objects.values_list("name", flat=True))
    calibrators = sorted({v.product.target.name for v in versions} & known)
    science: dict = {}
    for v in versions:
        if v.product.target.name not in known:
            science.setdefault(v.product.target, []).append(v.product.t_min)
    for target, mjds in science.items():
        start, end = (Time(m, format="mjd", scale="utc").to_datetime(timezone=dt.UTC) for m in (min(mjds), max(mjds)))
        observation_record(ob=None, night_date=night.date, program=night.allocations.first().program, target=target,
                           instrument="SPICA", mode="MR720", stations="S1-S2-E1-E2-W1-W2", start=start, end=end,
                           status="executed", comment="synthetic demo night", calibrator_names=calibrators)


def load() -> dict:
    from pipelines.models import PipelineRun

    out: dict = {}
    ingest_nights = PipelineRun.objects.filter(kind="l1", phase="completed").values_list("night", flat=True)
    from surveys.models import Night

    for night in Night.objects.filter(pk__in=ingest_nights):
        try:
            runs = services.night_calibrate_if_complete(night=night)
        except Exception as exc:  # the demo goes on; the reason is printed
            out[night.date.isoformat()] = f"not calibrated: {exc}"
            continue
        out[night.date.isoformat()] = f"{len(runs)} L2 run(s)"
    cals = [syn.Star("HD_200001", 0.25, False, ra=248.0, dec=18.0, diameter_err=0.01),
            syn.Star("HD_200002", 0.30, False, ra=252.0, dec=25.0, diameter_err=0.012),
            syn.Star("HD_200003", 0.20, False, ra=247.0, dec=21.0, diameter_err=0.01),
            syn.Star("HD_200004", 0.25, False, ra=251.0, dec=19.0, diameter_err=0.01, binary=(0.4, 3.0, 40.0))]
    with tempfile.TemporaryDirectory(prefix="calib-demo-") as tmp:
        night, _, versions = register_synthetic_night(Path(tmp), n_files=24, calibrators=cals, seed=2)
        _allocate_to_survey(night)
        _record_observations(night, versions)
        runs = services.calibration_runs_start(night=night)
    out[night.date.isoformat()] = f"{len(versions)} L1 files, {len(runs)} L2 run(s)"
    return out
