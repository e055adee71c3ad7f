"""The only place obs_server writes to or looks up surveys/ rows (targets, nights, observations).

Targets are created through surveys.services.target_upsert; nights and observations are
written here with the ORM until surveys/services.py offers matching functions (then only
these bodies change).
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Q

from obs_server.ob_format import ObDefinition, ObTarget
from surveys.models import Calibrator, CalibratorFlag, Night, Observation, Program, Target
from surveys.services import target_upsert


def _target_upsert(t: ObTarget, program: Program) -> Target:
    existing = Target.objects.filter(name=t.name).first()
    if existing is not None:  # keep the catalogue's values; only record that the program observes it
        existing.programs.add(program)
        return existing
    target, _ = target_upsert(name=t.name, ra_deg=t.ra_deg, dec_deg=t.dec_deg, fluxes=t.fluxes, programs=[program],
                              pm_ra=t.pm_ra, pm_dec=t.pm_dec, parallax=t.parallax, spectral_type=t.spectral_type,
                              object_types=t.object_types, identifiers=t.identifiers)
    return target


def science_target_for(definition: ObDefinition, program: Program) -> Target:
    """The surveys Target of the OB's first SCIENCE target (created when unknown)."""
    return _target_upsert(definition.science[0], program)


def calibrator_flags(names: list[str]) -> dict[str, list[str]]:
    """Active catalogue flags of calibrators by OB name ("HD 218470" or "HD_218470")."""
    found: dict[str, list[str]] = {}
    for name in names:
        variants = {name, name.replace("_", " "), name.replace(" ", "_")}
        flags = CalibratorFlag.objects.filter(active=True).filter(
            Q(calibrator__name__in=variants) | Q(calibrator__identifiers__icontains=name.replace("_", " "))
        ).order_by("declared_at")
        reasons = [f"{f.get_kind_display()}" + (f" ({f.comment})" if f.comment else "") for f in flags]
        if reasons:
            found[name] = reasons
    return found


def night_for(date: dt.date) -> Night:
    night = Night.objects.filter(date=date).first()
    return night or Night.objects.create(date=date, status=Night.Status.OBSERVED)


def observation_record(*, ob, definition: ObDefinition, status: str, instrument: str, start: dt.datetime,
                       end: dt.datetime | None, night_date: dt.date, comment: str) -> Observation:
    """Create or update the surveys Observation of one OB execution on one night."""
    night = night_for(night_date)
    values = dict(program=ob.program, target=ob.target, instrument=instrument, mode=ob.mode,
                  stations=ob.stations, start=start, end=end, status=status, comment=comment)
    obs, _ = Observation.objects.update_or_create(ob=ob, night=night, defaults=values)
    cal_names = [c.name for c in definition.calibrators]
    cals = Calibrator.objects.filter(Q(name__in=cal_names) | Q(name__in=[n.replace("_", " ") for n in cal_names]))
    obs.calibrators.set(cals)
    return obs
