"""Write side of the OB queue: the state machine, claims and leases, reports, operator actions.

Every state change is a compare-and-set (``UPDATE ... WHERE state IN allowed``) recorded
as an ObTransition with who (user and/or client) and why. An OB enters the queue through
services.ob_receive; submission keys and API tokens are in key_services.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from domain.errors import ConflictError, NotFoundError, PermissionRefused, ValidationFailed
from domain.ob_format import ObDefinition, parse_ob, survey_instruments
from notifications.models import EventKind
from notifications.services import notify_later
from obs_server import observability as obsv
from obs_server import selectors
from obs_server.models import ObservingBlock, ObTransition
from surveys import services as surveys_services

if TYPE_CHECKING:
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


def transition_record(ob: ObservingBlock, from_state: str, to_state: str, *, actor=None, client: str = "",
                      reason: str = "", comment: str = "") -> ObTransition:
    """One line of an OB's history (a client's name and reasons are cut to their column widths)."""
    return ObTransition.objects.create(ob=ob, from_state=from_state, to_state=to_state,
                                       actor=actor if actor is not None and actor.is_authenticated else None,
                                       client=client[:100], reason=reason[:200], comment=comment)


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
    transition_record(ob, state, to_state, actor=actor, client=client, reason=reason, comment=comment)
    selectors.queue_changed()
    if to_state in OUTCOME:
        _observation_for(ob, to_state, now, comment or reason)
    return ob


def _observation_for(ob: ObservingBlock, to_state: str, now: dt.datetime, comment: str) -> None:
    definition = parse_ob(ob.payload, extra_modes=settings.OBS_SERVER_EXTRA_MODES)
    if ob.target is None:
        ob.target = science_target(definition, ob.program)
        ob.save(update_fields=["target"])
    started = ob.transitions.filter(to_state=S.EXECUTING).order_by("-at").values_list("at", flat=True).first()
    start = started or ob.claimed_at or now
    night_date = ob.night.date if ob.night_id else obsv.night_date(start)
    observation = surveys_services.observation_record(
        ob=ob, night_date=night_date, program=ob.program, target=ob.target, mode=ob.mode, stations=ob.stations,
        instrument=survey_instruments(ob.instrument, ob.mode)[0], start=start, end=now, status=OUTCOME[to_state],
        comment=comment, calibrator_names=[c.name for c in definition.calibrators])
    notify_later(kind=EventKind.OB_OUTCOME, object_id=observation.pk)  # PI and co-Is, after commit


def science_target(definition: ObDefinition, program: Program) -> Target:
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
                transition_record(ObservingBlock(pk=pk), state, S.QUEUED, client="server", reason="lease expired")
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
            transition_record(ob, S.QUEUED, S.CLAIMED, actor=user, client=client, reason="claimed as next",
                              comment=entry.why)
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
