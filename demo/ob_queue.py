"""Demo OB queue: OBs for the next scheduled nights and "any night", built from the demo survey.

Each OB pairs a demo target with the nearest unflagged demo calibrator (plus one OB with a
flagged calibrator, to show the warning), goes through the real ob_receive service, and is
therefore idempotent (same content -> same OB).
"""
from __future__ import annotations

import astropy.units as u
from astropy.coordinates import SkyCoord

from django.db import transaction

from domain.ob_format import ObDefinition, ObTarget, definition_to_payload
from obs_server import services
from surveys.models import Calibrator, Night, Program

MODES = {"SPICA": ("SPICA", "MR720"), "MIRC-X": ("MIRCX-MYSTIC", "Low_H"), "MYSTIC": ("MIRCX-MYSTIC", "Low_K")}


def _ob_target(star, kind: str, ident: str) -> ObTarget:
    fluxes = {b: getattr(star, f"mag_{b.lower()}") for b in "VRIJHK" if getattr(star, f"mag_{b.lower()}") is not None}
    diameter = getattr(star, "udd_r", None) if kind == "CALIBRATION" else None
    return ObTarget(id=ident, name=star.name, kind=kind, ra_deg=star.ra_deg, dec_deg=star.dec_deg,
                    pm_ra=star.pm_ra, pm_dec=star.pm_dec, parallax=star.parallax, fluxes=fluxes,
                    spectral_type=star.spectral_type, identifiers=star.identifiers, diameter=diameter,
                    ha_interval=(-3.5, 3.5), ha_intervals=[(-3.5, 3.5)])


def _nearest(stars: list, target):
    """The star closest on the sky to `target` (astropy separation)."""
    coords = SkyCoord(ra=[s.ra_deg for s in stars] * u.deg, dec=[s.dec_deg for s in stars] * u.deg)
    here = SkyCoord(ra=target.ra_deg * u.deg, dec=target.dec_deg * u.deg)
    return stars[int(coords.separation(here).argmin())]


@transaction.atomic
def load(*, per_program: int = 8) -> dict:
    cals = list(Calibrator.objects.filter(udd_r__isnull=False).prefetch_related("flags"))
    good = [c for c in cals if not any(f.active for f in c.flags.all())] or cals
    flagged = [c for c in cals if c not in good]
    created = 0
    nights = list(Night.objects.filter(status=Night.Status.SCHEDULED).order_by("date"))
    for program in Program.objects.all():
        targets = list(program.targets.order_by("name")[:per_program])
        if not targets or not cals:
            continue
        own = [n for n in nights if n.allocations.filter(program=program).exists()][:2]
        inst_name = (program.instruments or ["SPICA"])[-1]
        instrument, mode = MODES.get(inst_name, MODES["SPICA"])
        for i, target in enumerate(targets):
            cal = _nearest(good, target)
            if i == 1 and flagged and program.code == "issp":
                cal = flagged[0]  # shows the flagged-calibrator warning on the operators' page
            sci_id, cal_id = target.name.replace(" ", "_"), cal.name.replace(" ", "_")
            definition = ObDefinition(
                name=f"{program.code.upper()}_{sci_id}_{mode}", interferometer="CHARA", instrument=instrument,
                mode=mode, stations=["S1", "S2", "E1", "E2", "W1", "W2"], interferometer_version="2024A",
                targets=[_ob_target(target, "SCIENCE", sci_id), _ob_target(cal, "CALIBRATION", cal_id)],
                schedule=[cal_id, sci_id, cal_id], schema_version="2017.7")
            night = own[i % len(own)] if own and i % 3 else None  # every third OB: any night
            try:
                _, new, _ = services.ob_receive(payload=definition_to_payload(definition), program=program,
                                                submitted_by=program.pi, night=night, client="demo")
            except services.ValidationFailed:
                continue  # e.g. a program refusing flagged calibrators
            created += int(new)
    return {"obs_created": created, "nights": [n.date.isoformat() for n in nights[:4]]}
