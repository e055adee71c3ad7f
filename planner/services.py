"""Write side of the planner: create a plan, edit it (drop, add, move), send it to the OB queue."""
from __future__ import annotations

import dataclasses

import numpy as np

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from domain.errors import ConflictError, PermissionRefused, ValidationFailed
from planner import engine, pairing, scoring, selectors, sequencing
from planner.models import NightPlan, NightPlanItem
from planner.observability import Constraints, night_window, time_grid, visibility
from surveys.models import Calibrator, Night, Program, Target


def planning_config(**overrides) -> dict:
    """The planner's settings (PLANNING_*), with per-request overrides where given (None = default)."""
    base = {
        "constraints": dataclasses.asdict(Constraints(
            min_altitude_deg=settings.PLANNING_MIN_ALTITUDE_DEG, max_airmass=settings.PLANNING_MAX_AIRMASS,
            max_hour_angle_h=settings.PLANNING_MAX_HOUR_ANGLE_H,
            min_moon_distance_deg=settings.PLANNING_MIN_MOON_DISTANCE_DEG,
            step_minutes=settings.PLANNING_STEP_MINUTES)),
        "durations": {"science_minutes": settings.PLANNING_SCIENCE_MINUTES,
                      "calibrator_minutes": settings.PLANNING_CALIBRATOR_MINUTES},
        "max_calibrator_distance_deg": settings.PLANNING_MAX_CALIBRATOR_DISTANCE_DEG,
        "calibrators_per_target": settings.PLANNING_CALIBRATORS_PER_TARGET,
        "min_calibrator_v2": settings.PLANNING_MIN_CALIBRATOR_V2,
        "baseline_m": round(pairing.LONGEST_BASELINE_M, 1),
        "baseline": pairing.LONGEST_BASELINE_NAME,
    }
    for key, value in overrides.items():
        if value is None:
            continue
        if key in base["constraints"]:
            base["constraints"][key] = value
        else:
            base[key] = value
    return base


def _check_request(*, night: Night, program: Program, instrument: str, mode: str, user) -> float:
    if not selectors.can_plan(user=user, program=program):
        raise PermissionRefused(f"You may not plan nights for {program.code} (PI, operator or staff only).")
    errors = {}
    shares = dict(selectors.night_shares(night=night))
    if program.pk not in shares:
        errors["program"] = f"{program.code} has no share of the night {night.date}."
    if program.paused:
        errors["program"] = f"{program.code} is paused: it gets no OB."
    if (instrument, mode) not in scoring.LIMITING_MAGNITUDES:
        errors["mode"] = f"{mode!r} is not a mode of {instrument}."
    elif program.instruments and instrument not in program.instruments:
        errors["instrument"] = f"{program.code} does not use {instrument}."
    if errors:
        raise ValidationFailed("The plan request is invalid.", errors)
    return shares[program.pk]


def plan_create(*, night: Night, program: Program, instrument: str, mode: str, user,
                fraction: float | None = None, **overrides) -> NightPlan:
    """Propose the night for one program's share and store it as a draft plan."""
    allocated = _check_request(night=night, program=program, instrument=instrument, mode=mode, user=user)
    if fraction is not None and not 0 < fraction <= allocated + 1e-9:
        raise ValidationFailed("The plan request is invalid.",
                               {"fraction": f"must be within (0, {allocated:g}], the program's allocation"})
    config = planning_config(**overrides)
    constraints = Constraints(**config["constraints"])
    durations = sequencing.Durations(**config["durations"])
    night_start, night_end = night_window(night.date)
    share_start, share_end = sequencing.share_window(night_start, night_end, selectors.night_shares(night=night),
                                                     program.pk)
    if fraction is not None:
        share_end = share_start + (night_end - night_start) * fraction
    band, _, ft_band, _ = scoring.mode_limits(instrument, mode)
    cands = selectors.goal_candidates(program=program, instrument=instrument, mode=mode)
    catalog, cal_ids = selectors.calibrator_catalog(band=band, ft_band=ft_band)
    sent = selectors.targets_sent_for_night(night=night)
    excluded = {k: sent[int(t)] for k, t in enumerate(cands.ids) if int(t) in sent}
    req = engine.Request(instrument=instrument, mode=mode, program_priority=program.priority,
                         night_start=night_start, night_end=night_end, share_start=share_start,
                         share_end=share_end, constraints=constraints, durations=durations,
                         max_calibrator_distance_deg=config["max_calibrator_distance_deg"],
                         calibrators_per_target=config["calibrators_per_target"],
                         min_calibrator_v2=config["min_calibrator_v2"], baseline_m=config["baseline_m"],
                         excluded=excluded)
    result = engine.plan(cands, catalog, req)
    rows = [{"target_id": int(cands.ids[r.index]), "name": cands.names[r.index],
             "score": None if np.isnan(r.score) else round(r.score, 1),
             "components": {k: round(v, 3) for k, v in r.components.items()},
             "done": int(cands.done[r.index]), "required": int(cands.required[r.index]),
             "hours": r.hours_observable, "max_alt": round(r.max_altitude, 1), "reason": r.reason,
             "placed": r.placed,
             "calibrators": [{"id": cal_ids[c.index], "reason": c.reason}
                             for c in result.calibrators.get(r.index, [])]}
            for r in result.rows]
    reasons = {r.index: r.reason for r in result.rows}
    with transaction.atomic():
        plan = NightPlan.objects.create(
            night=night, program=program, instrument=instrument, mode=mode,
            fraction=(share_end - share_start) / (night_end - night_start), night_start=night_start,
            night_end=night_end, share_start=share_start, share_end=share_end, params=config, candidates=rows,
            uncalibratable=[{"target_id": int(cands.ids[i]), "name": cands.names[i], "reason": reasons[i]}
                            for i in result.uncalibratable],
            created_by=user)
        scored = {r.index: r for r in result.rows}
        NightPlanItem.objects.bulk_create([
            NightPlanItem(plan=plan, position=k, target_id=int(cands.ids[b.index]),
                          calibrator_id=cal_ids[b.calibrators[0].index],
                          calibrator_2_id=cal_ids[b.calibrators[1].index] if len(b.calibrators) > 1 else None,
                          calibrator_reasons=[c.reason for c in b.calibrators], score=round(scored[b.index].score, 2),
                          score_components=scored[b.index].components, start=b.start, end=b.end)
            for k, b in enumerate(result.blocks)])
    return plan


def _editable(plan: NightPlan, user) -> None:
    if not selectors.can_plan(user=user, program=plan.program):
        raise PermissionRefused(f"You may not edit plans of {plan.program.code}.")
    if plan.status != NightPlan.Status.DRAFT:
        raise ConflictError("This plan was already sent to the queue; plan the night again to change it.")


def _retime(plan: NightPlan, items: list[NightPlanItem]) -> None:
    """Re-place the blocks in their new order; refuse the edit if one no longer fits the share."""
    constraints = selectors.plan_constraints(plan)
    durations = sequencing.Durations(**plan.params["durations"])
    times = time_grid(plan.night_start, plan.night_end, constraints.step_minutes)
    first, last = sequencing.slot_range(times, plan.share_start, plan.share_end)
    sci = visibility(np.array([i.target.ra_deg for i in items]), np.array([i.target.dec_deg for i in items]),
                     times, constraints).observable
    cal_stars = [(i.calibrator, i.calibrator_2 or i.calibrator) for i in items]
    cal = visibility(np.array([c.ra_deg for pair in cal_stars for c in pair]),
                     np.array([c.dec_deg for pair in cal_stars for c in pair]), times, constraints).observable
    cal = cal[0::2] & cal[1::2] if len(items) else cal
    placements, missing = sequencing.retime(order=list(range(len(items))), sci_observable=sci, cal_observable=cal,
                                            first_slot=first, last_slot=last, n_slots=durations.slots(
                                                constraints.step_minutes))
    if missing:
        names = ", ".join(items[i].target.name for i in missing)
        raise ConflictError(f"Refused: {names} would not fit in the share (observable window or time used up).")
    NightPlanItem.objects.filter(plan=plan).delete()
    for k, p in enumerate(placements):
        item = items[p.key]
        item.pk, item.position, item.start, item.end = None, k, times[p.start_slot], times[p.end_slot]
    NightPlanItem.objects.bulk_create(items)
    plan.save(update_fields=["updated"])


@transaction.atomic
def plan_item_drop(*, plan: NightPlan, position: int, user) -> None:
    _editable(plan, user)
    items = selectors.plan_items(plan=plan)
    if not 0 <= position < len(items):
        raise ValidationFailed("No such block.", {"position": f"must be within 0..{len(items) - 1}"})
    _retime(plan, items[:position] + items[position + 1:])


@transaction.atomic
def plan_item_move(*, plan: NightPlan, position: int, offset: int, user) -> None:
    _editable(plan, user)
    items = selectors.plan_items(plan=plan)
    new = position + offset
    if not (0 <= position < len(items) and 0 <= new < len(items)):
        raise ValidationFailed("Cannot move there.", {"position": "outside the plan"})
    items.insert(new, items.pop(position))
    _retime(plan, items)


@transaction.atomic
def plan_item_add(*, plan: NightPlan, target: Target, user) -> None:
    """Append a science target of this program's goals, with its best calibrators."""
    _editable(plan, user)
    cands = selectors.goal_candidates(program=plan.program, instrument=plan.instrument, mode=plan.mode)
    if target.pk not in set(cands.ids.tolist()):
        raise ValidationFailed("Target refused.", {
            "target": f"{target.name} has no incomplete {plan.instrument} goal in {plan.program.code}."})
    items = selectors.plan_items(plan=plan)
    if any(i.target_id == target.pk for i in items):
        raise ValidationFailed("Target refused.", {"target": f"{target.name} is already in the plan."})
    band, _, ft_band, _ = scoring.mode_limits(plan.instrument, plan.mode)
    catalog, cal_ids = selectors.calibrator_catalog(band=band, ft_band=ft_band)
    mags = {b: getattr(target, selectors.MAG_FIELD[b]) for b in (band, ft_band)}
    min_v2 = plan.params.get("min_calibrator_v2", pairing.DEFAULT_MIN_V2)
    choices = pairing.choose(
        ra_deg=np.array([target.ra_deg]), dec_deg=np.array([target.dec_deg]),
        mag_sci=np.array([np.nan if mags[band] is None else mags[band]]),
        mag_ft=np.array([np.nan if mags[ft_band] is None else mags[ft_band]]), catalog=catalog, band=band,
        ft_band=ft_band, max_distance_deg=plan.params["max_calibrator_distance_deg"],
        per_target=plan.params.get("calibrators_per_target", 2), min_v2=min_v2)[0]
    if not choices:
        raise ValidationFailed("Target refused.", {"target": f"{target.name}: " + pairing.uncalibratable_reason(
            max_distance_deg=plan.params["max_calibrator_distance_deg"], ra_deg=target.ra_deg,
            dec_deg=target.dec_deg, catalog=catalog, band=band, min_v2=min_v2)})
    cals = Calibrator.objects.in_bulk([cal_ids[c.index] for c in choices])
    item = NightPlanItem(plan=plan, position=len(items), target=target, calibrator=cals[cal_ids[choices[0].index]],
                         calibrator_2=cals[cal_ids[choices[1].index]] if len(choices) > 1 else None,
                         calibrator_reasons=[c.reason for c in choices], start=plan.share_start, end=plan.share_start)
    _retime(plan, [*items, item])


def _queue_ob(*, payload: dict, plan: NightPlan, user):
    """Hand one OB to the OB server's own service (it validates and de-duplicates)."""
    from obs_server.services import ob_receive

    ob, _created, _warnings = ob_receive(payload=payload, submitted_by=user, program=plan.program, night=plan.night)
    return ob


@transaction.atomic
def plan_send(*, plan: NightPlan, user) -> list:
    """Put every block of the plan in the OB queue for that night; all or nothing."""
    _editable(plan, user)
    pairs = selectors.plan_payloads(plan=plan)
    if not pairs:
        raise ValidationFailed("Nothing to send.", {"plan": "the plan has no block"})
    obs = []
    for item, payload in pairs:
        item.ob = _queue_ob(payload=payload, plan=plan, user=user)
        item.save(update_fields=["ob"])
        obs.append(item.ob)
    plan.status, plan.sent_at = NightPlan.Status.SENT, timezone.now()
    plan.save(update_fields=["status", "sent_at", "updated"])
    return obs
