"""Demo step: one observed SPICA night of synthetic raw files, ingested, consolidated and reduced to L1.

Runs after demo.survey (it uses that night's executed observations). The raw
files are written by demo.synthetic.raw into RAW_ROOT/demo-<night>/ (one with
missing keywords, one truncated), then ingested and reduced in-process by the
same services the Celery tasks call. Loading twice changes nothing.
"""
from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path

from django.conf import settings
from django.db.models import Count

from demo.synthetic import raw as synthetic
from pipelines import services
from pipelines.models import PipelineRun
from surveys.models import Night, Observation

MAX_VISITS = 4
SEED = 7  # fixed: the demo night is the same whatever the date, database or test order


def _stable(text: str) -> int:
    """A number fixed by a name, not by a primary key (keys differ between databases and test orders)."""
    return zlib.crc32(text.encode())


def _demo_night() -> Night | None:
    return (Night.objects.filter(observations__instrument="SPICA", observations__calibrators__isnull=False)
            .annotate(n=Count("observations", distinct=True)).order_by("-n", "date").first())


def load() -> dict:
    night = _demo_night()
    if night is None:
        return {"skipped": "no observed SPICA night with calibrators (load demo.survey first)"}
    visits = []
    for obs in Observation.objects.filter(night=night, instrument="SPICA").select_related("target", "program")[
            :MAX_VISITS]:
        cal = obs.calibrators.first()
        if cal is None:
            continue
        t, c = obs.target, cal
        visits.append(synthetic.VisitPlan(
            "SPICA", obs.program.code, (t.name, t.ra_deg, t.dec_deg, 0.5 + _stable(t.name) % 10 / 5),
            (c.name, c.ra_deg, c.dec_deg, c.udd_r or 0.3), obs.start + dt.timedelta(minutes=1), mode=obs.mode,
            stations=obs.stations or "S1-S2-E1-E2-W1-W2", magnitudes=(t.mag_r, c.mag_r)))
    specs = synthetic.night_specs(visits, seed=SEED)
    if len(specs) > 1:
        specs[1].drop = ("OBJECT", "OBS TARG NAME", "DATE-OBS", "PROG_ID")
    folder = Path(settings.RAW_ROOT) / f"demo-{night.date.isoformat()}"
    synthetic.write_night(folder, specs)
    bad = folder / "SPICA_interrupted_transfer.fits"
    if not bad.exists():
        synthetic.write_raw(bad, specs[0])
        synthetic.truncate(bad)
    run = services.ingest_run_execute(run=services.ingest_run_create(paths=[str(folder)], enqueue=False))
    for l1 in PipelineRun.objects.filter(kind=PipelineRun.Kind.L1, phase=PipelineRun.Phase.PENDING,
                                         parameters__ingest_run=str(run.pk)):
        services.l1_run_execute(run=l1)
    return {"night": night.date.isoformat(), "raw_files": len(specs) + 1, **{k: run.report[k] for k in
                                                                             ("new", "known", "quarantined")}}
