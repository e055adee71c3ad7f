"""Write side of OB submission: which program an OB goes to, validation, storing and queueing it.

Once stored, the OB's life (queue, claim, report, leases, operator actions) is queue_services';
the submission keys and API tokens are key_services'.
"""
from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction

from domain.errors import PermissionRefused, ValidationFailed
from domain.ob_format import ObDefinition, ObFormatError, parse_ob, survey_instruments
from obs_server import selectors
from obs_server.models import ObservingBlock, ObSubmitKey
from obs_server.queue_services import S, ob_transition, science_target, transition_record
from surveys import selectors as surveys_selectors
from surveys.models import Night, Program


def content_hash(payload: dict) -> str:
    """Stable hash of the OB content (key order and number-vs-string spelling do not matter)."""
    def norm(value):
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, float | int) and not isinstance(value, bool):
            return format(float(value), "g")
        if isinstance(value, str):
            try:
                return format(float(value), "g")
            except ValueError:
                return value.strip()
        return value
    return hashlib.sha256(json.dumps(norm(payload), sort_keys=True).encode()).hexdigest()


def ob_program_resolve(*, user, code: str = "", key: ObSubmitKey | None = None) -> Program:
    """The program an OB goes to: the key's, the one named, or the user's only submit program."""
    allowed = selectors.programs_for(user=user, roles=selectors.SUBMIT_ROLES)
    if key is not None and key.program_id:
        if code and code != key.program.code:  # a key bound to one program never opens another
            raise PermissionRefused(f"this submit key is bound to program {key.program.code}, not {code}")
        code = key.program.code
    if code:
        program = Program.objects.filter(code=code).first()
        if program is None:
            raise ValidationFailed(f"unknown program {code!r}", {"program": f"no program {code!r}"})
        if not allowed.filter(pk=program.pk).exists():
            raise PermissionRefused(f"you ({user.username}) may not submit OBs to program {code}")
        return program
    choices = list(allowed.order_by("code").values_list("code", flat=True)[:20])
    if len(choices) == 1:
        return Program.objects.get(code=choices[0])
    if not choices:
        raise PermissionRefused(f"you ({user.username}) may not submit OBs to any program")
    raise ValidationFailed("several programs possible: add ?program=<code> to the URL",
                           {"program": f"choose one of {', '.join(choices)}"})


def ob_validate(*, payload: dict, program: Program) -> tuple[ObDefinition, list[str]]:
    """Parse and check an OB without storing anything; returns the definition and warnings."""
    definition = parse_ob(payload, extra_modes=settings.OBS_SERVER_EXTRA_MODES)
    survey_inst = survey_instruments(definition.instrument, definition.mode)
    if program.instruments and not set(survey_inst) & set(program.instruments) \
            and definition.instrument not in program.instruments:
        raise ObFormatError({"instrumentConfiguration.name":
                             f"program {program.code} observes with {', '.join(program.instruments)}, "
                             f"not {definition.instrument}"})
    flags = surveys_selectors.calibrator_flags_by_name([c.name for c in definition.calibrators])
    warnings = []
    errors = {}
    for i, target in enumerate(definition.targets):
        if target.name in flags:
            text = f"calibrator {target.name} is flagged in the catalogue: {'; '.join(flags[target.name])}"
            warnings.append(text)
            errors[f"observationConfiguration[{i}].SCTarget.name"] = text
    if errors and program.refuse_flagged_calibrators:
        raise ObFormatError(errors, message=f"OB refused: program {program.code} refuses flagged calibrators; "
                            + "; ".join(warnings))
    return definition, warnings


@transaction.atomic
def ob_receive(*, payload: dict, program: Program, submitted_by, night: Night | None = None,
               client: str = "a2p2") -> tuple[ObservingBlock, bool, list[str]]:
    """Store and queue an OB; a re-post of the same content for the same program returns the existing one."""
    digest = content_hash(payload)
    existing = ObservingBlock.objects.filter(program=program, content_hash=digest).first()
    if existing is not None:
        return existing, False, list(existing.warnings)
    definition, warnings = ob_validate(payload=payload, program=program)
    sci = definition.science[0]
    target = science_target(definition, program)
    try:
        with transaction.atomic():
            ob = ObservingBlock.objects.create(
                program=program, target=target, night=night, name=definition.name[:200],
                instrument=definition.instrument, mode=definition.mode, stations="-".join(definition.stations),
                payload=payload, content_hash=digest, state=S.SUBMITTED, submitted_by=submitted_by,
                warnings=warnings, summary=definition.summary()[:400], ra_deg=sci.ra_deg, dec_deg=sci.dec_deg,
                ha_min=sci.ha_interval[0] if sci.ha_interval else None,
                ha_max=sci.ha_interval[1] if sci.ha_interval else None,
            )
    except IntegrityError:  # a concurrent identical post won the race
        return ObservingBlock.objects.get(program=program, content_hash=digest), False, warnings
    transition_record(ob, "", S.SUBMITTED, actor=submitted_by, client=client, reason="received")
    ob_transition(ob_id=ob.pk, to_state=S.QUEUED, actor=submitted_by, client=client,
                  reason=f"queued for {'night ' + night.date.isoformat() if night else 'any night'}")
    ob.refresh_from_db()
    return ob, True, warnings
