"""Write side of the OB server: receive, queue, claim, report, lease expiry, operator actions.

Every state change is a compare-and-set (``UPDATE ... WHERE state IN allowed``) recorded
as an ObTransition with who (user and/or client) and why.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from domain.errors import ConflictError, NotFoundError, PermissionRefused, ValidationFailed
from domain.ob_format import ObDefinition, ObFormatError, parse_ob, survey_instruments
from notifications.models import EventKind
from notifications.services import notify_later
from obs_server import observability as obsv
from obs_server import selectors
from obs_server.models import ObservingBlock, ObSubmitKey, ObTransition
from surveys import selectors as surveys_selectors
from surveys import services as surveys_services
from surveys.models import Night, Program, Target

S = ObservingBlock.State
ALLOWED: dict[str, tuple[str, ...]] = {  # to_state -> from_states
    S.QUEUED: (S.SUBMITTED, S.CLAIMED, S.DONE, S.FAILED, S.ABORTED, S.CANCELLED),
    S.CLAIMED: (S.QUEUED,),
    S.EXECUTING: (S.CLAIMED,),
    S.DONE: (S.EXECUTING, S.CLAIMED),
    S.FAILED: (S.EXECUTING, S.CLAIMED),
    S.ABORTED: (S.EXECUTING, S.CLAIMED),
    S.CANCELLED: (S.SUBMITTED, S.QUEUED, S.CLAIMED),
}
OUTCOME = {S.DONE: "executed", S.FAILED: "failed", S.ABORTED: "aborted"}
KEEP = object()  # ob_transition(night=KEEP): leave the OB's night as it is


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


# --- submission keys --------------------------------------------------------------------
def submit_key_create(*, user, program: Program | None = None) -> tuple[ObSubmitKey, str]:
    """A new secret for ``/ob/submit/<key>/``; the raw key is returned once and never stored."""
    if program is not None and not selectors.can(user=user, program=program, roles=selectors.SUBMIT_ROLES):
        raise PermissionRefused(f"you may not submit OBs to {program.code}")
    raw = secrets.token_urlsafe(24)
    key = ObSubmitKey.objects.create(user=user, program=program, hint=raw[:6],
                                     key_hash=hashlib.sha256(raw.encode()).hexdigest())
    return key, raw


def submit_key_resolve(*, raw_key: str, use: bool = False) -> ObSubmitKey:
    """The live key behind a secret URL (PermissionRefused if unknown or revoked); `use` stamps last_used."""
    found = selectors.submit_key_lookup(raw_key=raw_key)
    if found is None:
        raise PermissionRefused("unknown or revoked submission key: create a new one at /ob/upload/")
    if use:
        ObSubmitKey.objects.filter(pk=found.pk).update(last_used=timezone.now())
    return found


def submit_key_revoke(*, key: ObSubmitKey, by) -> None:
    if key.user_id != by.pk and not by.is_staff:
        raise PermissionRefused("only the owner or staff may revoke this key")
    ObSubmitKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def api_token_rotate(*, user) -> None:
    """A new API token for the SPICA client / scripts; the old one stops working at once."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    Token.objects.create(user=user)


# --- submission -----------------------------------------------------------------------------
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


def _record(ob: ObservingBlock, from_state: str, to_state: str, *, actor=None, client: str = "",
            reason: str = "", comment: str = "") -> ObTransition:
    return ObTransition.objects.create(ob=ob, from_state=from_state, to_state=to_state,
                                       actor=actor if actor is not None and actor.is_authenticated else None,
                                       client=client[:100], reason=reason[:200], comment=comment)


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
    target = _science_target(definition, program)
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
    _record(ob, "", S.SUBMITTED, actor=submitted_by, client=client, reason="received")
    ob_transition(ob_id=ob.pk, to_state=S.QUEUED, actor=submitted_by, client=client,
                  reason=f"queued for {'night ' + night.date.isoformat() if night else 'any night'}")
    ob.refresh_from_db()
    return ob, True, warnings


# --- lifecycle ----------------------------------------------------------------------------
@transaction.atomic
def ob_transition(*, ob_id: int, to_state: str, actor=None, client: str = "", reason: str = "",
                  comment: str = "", expected_state: str | None = None, when: dt.datetime | None = None,
                  check_client: bool = False, night: Night | None | object = KEEP) -> ObservingBlock:
    """Compare-and-set an OB's state; ConflictError when another client moved it first."""
    if to_state not in ALLOWED:
        raise ValidationFailed(f"unknown state {to_state!r}", {"state": f"one of {', '.join(ALLOWED)}"})
    now = when or timezone.now()
    from_states = ALLOWED[to_state]
    if expected_state:
        from_states = tuple(s for s in from_states if s == expected_state)
    current = ObservingBlock.objects.filter(pk=ob_id).values_list("state", "claimed_by").first()
    if current is None:
        raise NotFoundError(f"no OB {ob_id}")
    state, claimed_by = current
    if check_client and state in (S.CLAIMED, S.EXECUTING) and claimed_by and client != claimed_by:
        raise ConflictError(f"OB {ob_id} is {state} by client {claimed_by!r}, not {client!r}",
                            {"client": f"claimed by {claimed_by}"})
    fields: dict = {"state": to_state, "updated": now}
    lease = dt.timedelta(seconds=settings.OBS_SERVER_CLAIM_LEASE_SECONDS)
    if to_state == S.CLAIMED:
        fields.update(claimed_by=client[:100], claimed_at=now, lease_expires=now + lease)
    elif to_state == S.EXECUTING:
        fields.update(lease_expires=now + lease)
    elif to_state in (S.QUEUED, S.CANCELLED):
        fields.update(claimed_by="", claimed_at=None, lease_expires=None)
        if to_state == S.QUEUED and night is not KEEP:  # re-queue for another night, or any night (None)
            fields["night"] = night
    else:
        fields.update(lease_expires=None)
    changed = ObservingBlock.objects.filter(pk=ob_id, state__in=from_states, state=state).update(**fields)
    if not changed:
        raise ConflictError(f"OB {ob_id} is {state}: cannot go to {to_state}",
                            {"state": f"{state} -> {to_state} not allowed (from {', '.join(ALLOWED[to_state])})"})
    ob = ObservingBlock.objects.select_related("program", "target").get(pk=ob_id)
    _record(ob, state, to_state, actor=actor, client=client, reason=reason, comment=comment)
    selectors.queue_changed()
    if to_state in OUTCOME:
        _observation_for(ob, to_state, now, comment or reason)
    return ob


def _observation_for(ob: ObservingBlock, to_state: str, now: dt.datetime, comment: str) -> None:
    definition = parse_ob(ob.payload, extra_modes=settings.OBS_SERVER_EXTRA_MODES)
    if ob.target is None:
        ob.target = _science_target(definition, ob.program)
        ob.save(update_fields=["target"])
    started = ob.transitions.filter(to_state=S.EXECUTING).order_by("-at").values_list("at", flat=True).first()
    start = started or ob.claimed_at or now
    night_date = ob.night.date if ob.night_id else obsv.night_date(start)
    observation = surveys_services.observation_record(
        ob=ob, night_date=night_date, program=ob.program, target=ob.target, mode=ob.mode, stations=ob.stations,
        instrument=survey_instruments(ob.instrument, ob.mode)[0], start=start, end=now, status=OUTCOME[to_state],
        comment=comment, calibrator_names=[c.name for c in definition.calibrators])
    notify_later(kind=EventKind.OB_OUTCOME, object_id=observation.pk)  # PI and co-Is, after commit


def _science_target(definition: ObDefinition, program: Program) -> Target:
    """The surveys Target of the OB's first SCIENCE target (created through surveys when unknown)."""
    t = definition.science[0]
    return surveys_services.target_for_program(
        program=program, name=t.name, ra_deg=t.ra_deg, dec_deg=t.dec_deg, fluxes=t.fluxes, pm_ra=t.pm_ra,
        pm_dec=t.pm_dec, parallax=t.parallax, spectral_type=t.spectral_type, object_types=t.object_types,
        identifiers=t.identifiers)


def ob_leases_expire(*, now: dt.datetime | None = None) -> int:
    """Claimed/executing OBs whose client stopped renewing its lease go back to the queue."""
    now = now or timezone.now()
    count = 0
    for pk, state in ObservingBlock.objects.filter(
            state__in=(S.CLAIMED, S.EXECUTING), lease_expires__lt=now).values_list("pk", "state"):
        with transaction.atomic():
            changed = ObservingBlock.objects.filter(pk=pk, state=state, lease_expires__lt=now).update(
                state=S.QUEUED, claimed_by="", claimed_at=None, lease_expires=None, updated=now)
            if changed:
                _record(ObservingBlock(pk=pk), state, S.QUEUED, client="server", reason="lease expired")
                selectors.queue_changed()
                count += 1
    return count


# Owners may queue or cancel their idle OBs; an OB a client holds is the operators' to move.
OWNER_STATES = (S.CANCELLED, S.QUEUED)


def ob_status_report(*, ob: ObservingBlock, to_state: str, actor, client: str = "", reason: str = "",
                     comment: str = "", expected_state: str | None = None,
                     night: Night | None | object = KEEP) -> ObservingBlock:
    """A client or a user reports a transition: checked against the actor's role, then compare-and-set."""
    held = ob.state in (S.CLAIMED, S.EXECUTING)
    roles = selectors.SUBMIT_ROLES if to_state in OWNER_STATES and not held else selectors.OPERATOR_ROLES
    if not selectors.can(user=actor, program=ob.program_id, roles=roles):
        raise PermissionRefused(f"you may not set OBs of {ob.program.code} to {to_state}")
    return ob_transition(ob_id=ob.pk, to_state=to_state, actor=actor, client=client, reason=reason,
                         comment=comment, expected_state=expected_state, check_client=True, night=night)


def ob_heartbeat(*, ob: ObservingBlock, client: str, actor) -> ObservingBlock:
    """Extend the lease of a claimed/executing OB held by `client` (operators of its program or staff)."""
    if not selectors.can(user=actor, program=ob.program_id, roles=selectors.OPERATOR_ROLES):
        raise PermissionRefused("only operators or staff hold leases")
    until = timezone.now() + dt.timedelta(seconds=settings.OBS_SERVER_CLAIM_LEASE_SECONDS)
    changed = ObservingBlock.objects.filter(pk=ob.pk, state__in=(S.CLAIMED, S.EXECUTING)).filter(
        Q(claimed_by=client) | Q(claimed_by="")).update(lease_expires=until)
    if not changed:
        raise ConflictError(f"OB {ob.pk} is not held by client {client!r}", {"client": "not the holder"})
    ob.refresh_from_db()
    return ob


def ob_claim_next(*, user, client: str, night_date: dt.date, instrument: str = "", program: str = "",
                  now: dt.datetime | None = None) -> selectors.QueueEntry | None:
    """Atomically give the best queued OB to `client`; two clients never receive the same OB."""
    if not (user.is_staff or selectors.programs_for(user=user, roles=selectors.OPERATOR_ROLES).exists()):
        raise PermissionRefused("only operators or staff may claim OBs")
    now = now or timezone.now()
    if not client:
        raise ValidationFailed("the client must name itself", {"client": "required (e.g. spica-acq-1)"})
    ob_leases_expire(now=now)
    qs = selectors.queue_scope(user=user, night_date=night_date, instrument=instrument, program=program,
                               roles=selectors.OPERATOR_ROLES).filter(state=S.QUEUED, program__paused=False)
    lease = dt.timedelta(seconds=settings.OBS_SERVER_CLAIM_LEASE_SECONDS)
    for rank, (row, observ, need) in enumerate(selectors.queue_order(qs, now=now), start=1):
        with transaction.atomic():
            # Lock this one row or skip it at once if another client holds it (PostgreSQL SKIP LOCKED);
            # the state check in the UPDATE below is the compare-and-set that also protects SQLite.
            ob = (ObservingBlock.objects.select_for_update(skip_locked=True, of=("self",))
                  .select_related("program", "target", "night").filter(pk=row.pk, state=S.QUEUED).first())
            if ob is None:
                continue  # another client holds or took it: try the next one
            entry = selectors.queue_entry(ob, rank, observ, need)
            changed = ObservingBlock.objects.filter(pk=ob.pk, state=S.QUEUED).update(
                state=S.CLAIMED, claimed_by=client[:100], claimed_at=now, lease_expires=now + lease, updated=now)
            if not changed:
                continue
            ob.state, ob.claimed_by, ob.claimed_at, ob.lease_expires = S.CLAIMED, client[:100], now, now + lease
            _record(ob, S.QUEUED, S.CLAIMED, actor=user, client=client, reason="claimed as next", comment=entry.why)
            selectors.queue_changed()
            return entry
    return None


# --- operators --------------------------------------------------------------------------------
def ob_priority_change(*, ob: ObservingBlock, delta: int, actor) -> ObservingBlock:
    if not selectors.can(user=actor, program=ob.program_id, roles=selectors.OPERATOR_ROLES):
        raise PermissionRefused("only operators of the program or staff may reorder the queue")
    ObservingBlock.objects.filter(pk=ob.pk).update(priority=max(-99, min(99, ob.priority + delta)),
                                                   updated=timezone.now())
    selectors.queue_changed()
    ob.refresh_from_db()
    return ob


def program_pause_set(*, program: Program, paused: bool, actor) -> Program:
    """Pause/resume a program: paused programs get no OB from claim-next (their OBs stay queued)."""
    if not selectors.can(user=actor, program=program, roles=selectors.OPERATOR_ROLES):
        raise PermissionRefused("only operators of the program or staff may pause it")
    program = surveys_services.program_pause_set(program=program, paused=paused)
    ObservingBlock.objects.filter(program=program, state__in=selectors.ACTIVE_STATES).update(updated=timezone.now())
    selectors.queue_changed()
    return program
