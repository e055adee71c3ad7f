"""Write-side of surveys/: targets, calibrators, calibrator flags, nights, observations, program pauses.

Every write validates its input first and raises ValidationFailed with one
reason per field, so an import or a form never stores half a star.
"""
from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from django.utils import timezone

from domain.errors import PermissionRefused, ValidationFailed
from surveys.coords import CoordinateError, dec_to_deg, ra_to_deg
from surveys.models import (
    Calibrator,
    CalibratorFlag,
    Delegation,
    Night,
    Observation,
    Program,
    ProgramRole,
    SurveyGoal,
    Target,
)

FLOAT_FIELDS = ("pm_ra", "pm_dec", "parallax", "mag_v", "mag_r", "mag_i", "mag_j", "mag_h", "mag_k")
TEXT_FIELDS = {"identifiers": 10_000, "spectral_type": 40, "object_types": 200}
CALIBRATOR_FLOATS = ("udd_r", "udd_h", "udd_k", "e_udd_r", "e_udd_h", "e_udd_k", "ldd", "e_ldd")
BANDS = ("V", "R", "I", "J", "H", "K")
PLACEHOLDERS = {"", "nan", "n/a", "na", "none", "null", "unknown", "--"}


def _float(value: Any) -> float | None:
    """A number, or None for empty/placeholder values; ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in PLACEHOLDERS:
        return None
    number = float(value)
    if math.isnan(number):
        return None
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return ",".join(str(v).strip() for v in value if str(v).strip())
    text = str(value).strip()
    return "" if text.lower() in PLACEHOLDERS else text


def _star_values(*, name: str, ra_deg: Any, dec_deg: Any, fields: dict, extra_floats: tuple = ()) -> dict:
    """Validated model values for a star; raises ValidationFailed listing every bad field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    name = _text(name)
    if not name:
        errors["name"] = "a name is required"
    elif len(name) > 80:
        errors["name"] = "at most 80 characters"
    try:
        values["ra_deg"] = ra_to_deg(ra_deg)
    except CoordinateError as exc:
        errors["ra_deg"] = str(exc)
    try:
        values["dec_deg"] = dec_to_deg(dec_deg)
    except CoordinateError as exc:
        errors["dec_deg"] = str(exc)
    fields = dict(fields)
    fluxes = fields.pop("fluxes", None) or {}
    for band, mag in fluxes.items():
        if str(band).upper() in BANDS:
            fields.setdefault(f"mag_{str(band).lower()}", mag)
    for key, value in fields.items():
        if key in FLOAT_FIELDS or key in extra_floats:
            try:
                values[key] = _float(value)
            except (TypeError, ValueError):
                errors[key] = f"{value!r} is not a number"
        elif key in TEXT_FIELDS:
            text = _text(value)
            if len(text) > TEXT_FIELDS[key]:
                errors[key] = f"at most {TEXT_FIELDS[key]} characters"
            values[key] = text
        elif key not in ("programs", "priority", "notes", "source", "catalog_row_id"):
            errors[key] = "unknown field"
    if "priority" in fields:
        try:
            priority = _float(fields["priority"])
            values["priority"] = None if priority is None else int(priority)
        except (TypeError, ValueError):
            errors["priority"] = f"{fields['priority']!r} is not a number"
    for key in ("notes", "source", "catalog_row_id"):
        if key in fields:
            text = _text(fields[key])
            values[key] = (text or None) if key == "catalog_row_id" else text
    if errors:
        raise ValidationFailed(f"star {name or '?'}: invalid values", errors)
    values["name"] = name
    return values


@transaction.atomic
def target_upsert(*, name: str, ra_deg: Any, dec_deg: Any, **fields) -> tuple[Target, bool]:
    """Create or update a target by name (coordinates as degrees or sexagesimal strings).

    Fields left out keep their stored value; `programs` (Program objects or codes)
    are added, never removed; `fluxes` is a band -> magnitude dict.
    """
    programs = fields.pop("programs", None) or []
    values = _star_values(name=name, ra_deg=ra_deg, dec_deg=dec_deg, fields=fields)
    values.pop("source", None)
    resolved = []
    for program in programs:
        if isinstance(program, Program):
            resolved.append(program)
            continue
        found = Program.objects.filter(code=str(program)).first()
        if found is None:
            raise ValidationFailed(f"target {name}: unknown program", {"programs": f"no program {program!r}"})
        resolved.append(found)
    target_name = values.pop("name")
    target, created = Target.objects.update_or_create(name=target_name, defaults=values)
    if resolved:
        target.programs.add(*resolved)
    return target, created


@transaction.atomic
def calibrator_upsert(*, name: str, ra_deg: Any, dec_deg: Any, **fields) -> tuple[Calibrator, bool]:
    """Create or update a calibrator by name with its JSDC diameters (mas)."""
    values = _star_values(name=name, ra_deg=ra_deg, dec_deg=dec_deg, fields=fields,
                          extra_floats=CALIBRATOR_FLOATS)
    for key in ("priority", "notes", "catalog_row_id"):
        values.pop(key, None)
    errors = {k: "a diameter cannot be negative" for k in CALIBRATOR_FLOATS if (values.get(k) or 0) < 0}
    if errors:
        raise ValidationFailed(f"calibrator {name}: invalid values", errors)
    calibrator_name = values.pop("name")
    return Calibrator.objects.update_or_create(name=calibrator_name, defaults=values)


def user_can_flag_calibrators(user) -> bool:
    """Staff and data managers (of any program) declare calibrator problems."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or ProgramRole.objects.filter(user=user, role=ProgramRole.Role.DATA_MANAGER).exists()


@transaction.atomic
def calibrator_flag_create(*, calibrator: Calibrator, kind: str, declared_by, comment: str = "",
                           observation: Observation | None = None, evidence: dict | None = None,
                           proposed_on=None) -> CalibratorFlag:
    """Declare a calibrator unusable, with who, when, which observation shows it and why.

    `proposed_on` (a night date) makes an automatic proposal instead: no person declares it, it
    excludes the star on that night only, and everywhere once a person confirms it
    (`calibrator_flag_confirm`). One active proposal per star and night.
    """
    errors = {}
    if proposed_on is None and not user_can_flag_calibrators(declared_by):
        raise PermissionRefused("only staff and data managers may flag calibrators")
    if kind not in CalibratorFlag.Kind.values:
        errors["kind"] = f"{kind!r} is not one of {', '.join(CalibratorFlag.Kind.values)}"
    if kind == CalibratorFlag.Kind.BAD_BINARY and observation is None and not (evidence or {}).get("url"):
        errors["observation"] = "a binarity flag needs the observation that shows it"
    if not comment.strip():
        errors["comment"] = "say what the evidence is"
    if errors:
        raise ValidationFailed("calibrator flag refused", errors)
    if proposed_on is not None:
        existing = CalibratorFlag.objects.filter(calibrator=calibrator, kind=kind, active=True,
                                                 state=CalibratorFlag.State.PROPOSED, night=proposed_on).first()
        if existing:
            return existing
    return CalibratorFlag.objects.create(
        calibrator=calibrator, kind=kind, declared_by=declared_by if proposed_on is None else None,
        comment=comment.strip(), observation=observation, evidence=evidence or {},
        state=CalibratorFlag.State.PROPOSED if proposed_on is not None else CalibratorFlag.State.CONFIRMED,
        night=proposed_on,
    )


@transaction.atomic
def calibrator_flag_confirm(*, flag: CalibratorFlag, by) -> CalibratorFlag:
    """A person confirms an automatic proposal: from now on it excludes the star on every night."""
    if not user_can_flag_calibrators(by):
        raise PermissionRefused("only staff and data managers may confirm calibrator flags")
    if not flag.active:
        raise ValidationFailed("calibrator flag refused", {"active": "a withdrawn flag cannot be confirmed"})
    flag.state, flag.confirmed_by, flag.confirmed_at = CalibratorFlag.State.CONFIRMED, by, timezone.now()
    flag.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    return flag


@transaction.atomic
def calibrator_flag_withdraw(*, flag: CalibratorFlag, by) -> CalibratorFlag:
    """Deactivate a flag (kept for the record, never deleted)."""
    if not user_can_flag_calibrators(by):
        raise PermissionRefused("only staff and data managers may withdraw calibrator flags")
    flag.active = False
    flag.evidence = {**flag.evidence, "withdrawn_by": by.username}
    flag.save(update_fields=["active", "evidence"])
    return flag


# --- links other apps record here (surveys owns Night, Observation and Program) -----------------
def night_get_or_create(*, date, status: str = Night.Status.OBSERVED, instruments: list[str] | None = None) -> Night:
    """The Night of a date, created (as observed, by default) when nobody planned it."""
    defaults = {"status": status, **({"instruments": instruments} if instruments is not None else {})}
    night, _ = Night.objects.get_or_create(date=date, defaults=defaults)
    return night


def target_for_program(*, program: Program, name: str, **fields) -> Target:
    """The Target of that name, now observed by `program`; created from `fields` when unknown
    (an existing target keeps the catalogue's values)."""
    existing = Target.objects.filter(name=name).first()
    if existing is not None:
        existing.programs.add(program)
        return existing
    target, _ = target_upsert(name=name, programs=[program], **fields)
    return target


def observation_record(*, ob, night_date, program: Program, target: Target, instrument: str, mode: str,
                       stations: str, start, end, status: str, comment: str,
                       calibrator_names: list[str]) -> Observation:
    """Create or update the Observation of one OB execution on one night (the OB server reports it).

    Without an OB (data that came in without one, as the demo's synthetic night) it is one per target."""
    night = night_get_or_create(date=night_date)
    values = dict(program=program, target=target, instrument=instrument, mode=mode, stations=stations,
                  start=start, end=end, status=status, comment=comment)
    lookup = {"ob": ob} if ob is not None else {"ob": None, "target": target, "instrument": instrument}
    obs, _ = Observation.objects.update_or_create(night=night, **lookup, defaults=values)
    names = set(calibrator_names) | {n.replace("_", " ") for n in calibrator_names}
    obs.calibrators.set(Calibrator.objects.filter(name__in=names))
    return obs


def program_pause_set(*, program: Program, paused: bool) -> Program:
    """Pause or resume a program (the OB server checks who may, and stops serving its OBs)."""
    Program.objects.filter(pk=program.pk).update(paused=paused)
    program.refresh_from_db()
    return program


def survey_goal_set(*, target: Target, program: Program, instrument: str, mode: str,
                    required_observations: int) -> SurveyGoal:
    """The goal of observing `target` in (instrument, mode) for `program` (the JMMC sync sets it)."""
    goal, _ = SurveyGoal.objects.update_or_create(target=target, program=program, instrument=instrument, mode=mode,
                                                  defaults={"required_observations": required_observations})
    return goal


def delegation_get_or_create(*, program: Program, target: Target | None, grantee,
                             granted_by) -> tuple[Delegation, bool]:
    """A delegation of `program`'s data on `target` (None: the whole program) to `grantee`, created once."""
    return Delegation.objects.get_or_create(program=program, target=target, grantee=grantee,
                                            defaults={"granted_by": granted_by})
