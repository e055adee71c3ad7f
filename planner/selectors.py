"""Read side of the planner: candidates, calibrator catalog, shares, plans, OB payloads."""
from __future__ import annotations

import datetime as dt

import numpy as np

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from domain.site import night_date
from planner import ob_payload, pairing, scoring
from planner.engine import Candidates
from planner.models import NightPlan, NightPlanItem
from planner.observability import Constraints, time_grid, visibility
from surveys.models import Calibrator, CalibratorFlag, Night, NightAllocation, Observation, Program, SurveyGoal
from surveys.selectors import programs_with_role

PLAN_ROLES = ("pi", "operator")
VIEW_ROLES = ("pi", "member", "operator", "data_manager")
MAG_FIELD = {band: f"mag_{band.lower()}" for band in ("V", "R", "I", "J", "H", "K")}
DIAMETER_FIELD = {"R": "udd_r", "V": "udd_r", "I": "udd_r", "J": "udd_h", "H": "udd_h", "K": "udd_k"}


def programs_plannable_by(*, user) -> QuerySet[Program]:
    return programs_with_role(user=user, roles=PLAN_ROLES)


def can_plan(*, user, program: Program) -> bool:
    return user.is_authenticated and programs_plannable_by(user=user).filter(pk=program.pk).exists()


def can_view(*, user, program: Program) -> bool:
    return user.is_authenticated and programs_with_role(user=user, roles=VIEW_ROLES).filter(pk=program.pk).exists()


def night_shares(*, night: Night) -> list[tuple[int, float]]:
    """(program id, fraction) in the order the night is split: program priority, then code."""
    allocs = NightAllocation.objects.filter(night=night).select_related("program").order_by(
        "program__priority", "program__code")
    return [(a.program_id, a.fraction) for a in allocs]


def goal_candidates(*, program: Program, instrument: str, mode: str, now: dt.datetime | None = None) -> Candidates:
    """Incomplete goals of `program` for `instrument` (mode-specific or any-mode goals), one aggregated query.

    Completion = executed observations of that program and instrument for the target.
    """
    band, _, ft_band, _ = scoring.mode_limits(instrument, mode)
    now = now or timezone.now()
    executed = Q(target__observations__program=F("program"), target__observations__instrument=F("instrument"),
                 target__observations__status=Observation.Status.EXECUTED)
    rows = (
        SurveyGoal.objects.filter(program=program, instrument=instrument)
        .filter(Q(mode="") | Q(mode=mode))
        .annotate(done=Count("target__observations", filter=executed),
                  last=Max("target__observations__start", filter=executed))
        .filter(done__lt=F("required_observations"))
        .order_by("target_id", "-mode")
        .values_list("target_id", "target__name", "target__ra_deg", "target__dec_deg",
                     f"target__{MAG_FIELD[band]}", f"target__{MAG_FIELD[ft_band]}", "done",
                     "required_observations", "target__priority", "last")
    )
    seen, data = set(), []
    for row in rows:
        if row[0] not in seen:
            seen.add(row[0])
            data.append(row)

    def col(k: int) -> np.ndarray:
        return np.array([np.nan if r[k] is None else r[k] for r in data], dtype=float)

    days = np.array([np.nan if r[9] is None else (now - r[9]).total_seconds() / 86400 for r in data], float)
    return Candidates(ids=np.array([r[0] for r in data], dtype=int), names=[r[1] for r in data],
                      ra_deg=col(2), dec_deg=col(3), mag_sci=col(4), mag_ft=col(5), done=col(6),
                      required=col(7), target_priority=col(8), days_since_last=days)


def calibrator_catalog(*, band: str, ft_band: str) -> tuple[pairing.Catalog, list[int]]:
    """All calibrators as arrays; `flagged` = any active flag (Be, badcal, bad binary, suspect)."""
    diam = DIAMETER_FIELD[band]
    flagged = CalibratorFlag.objects.filter(calibrator=OuterRef("pk"), active=True)
    rows = list(Calibrator.objects.annotate(flagged=Exists(flagged)).order_by("pk").values_list(
        "pk", "ra_deg", "dec_deg", MAG_FIELD[band], MAG_FIELD[ft_band], diam, f"e_{diam}", "flagged"))

    def col(k: int) -> np.ndarray:
        return np.array([np.nan if r[k] is None else r[k] for r in rows], dtype=float)

    catalog = pairing.Catalog(col(1), col(2), col(3), col(4), col(5), col(6),
                              np.array([bool(r[7]) for r in rows], dtype=bool))
    return catalog, [r[0] for r in rows]


def targets_sent_for_night(*, night: Night) -> dict[int, str]:
    """Target id -> why it is a duplicate: already in a plan of this night that was sent to the queue."""
    items = (NightPlanItem.objects.filter(plan__night=night, plan__status=NightPlan.Status.SENT)
             .values_list("target_id", "plan_id", "plan__program__code"))
    return {t: f"duplicate: already sent to the queue for this night (plan #{p}, {code})" for t, p, code in items}


def plans_visible_to(*, user) -> QuerySet[NightPlan]:
    programs = programs_with_role(user=user, roles=VIEW_ROLES)
    return NightPlan.objects.filter(program__in=programs).select_related("night", "program")


def plan_items(*, plan: NightPlan) -> list[NightPlanItem]:
    return list(plan.items.select_related("target", "calibrator", "calibrator_2", "ob").order_by("position"))


def plan_constraints(plan: NightPlan) -> Constraints:
    keys = Constraints.__dataclass_fields__
    return Constraints(**{k: v for k, v in plan.params.get("constraints", {}).items() if k in keys})


def plan_curves(*, plan: NightPlan, items: list[NightPlanItem], start: dt.datetime | None = None,
                end: dt.datetime | None = None) -> dict:
    """Altitude vs time per science target from `start` to `end` (default: the astronomical night)."""
    constraints = plan_constraints(plan)
    times = time_grid(start or plan.night_start, end or plan.night_end, constraints.step_minutes)
    vis = visibility(np.array([i.target.ra_deg for i in items]), np.array([i.target.dec_deg for i in items]),
                     times, constraints)
    return {"times": [t.isoformat() for t in times], "altitude": vis.altitude.round(2).tolist(),
            "observable": vis.observable.tolist(), "min_altitude": constraints.min_altitude_deg, "vis": vis}


def _star(obj, *, diameter_field: str | None, ha: tuple[float, float] | None) -> ob_payload.Star:
    mags = {b: getattr(obj, f) for b, f in MAG_FIELD.items()}
    lst = (ha[0] + obj.ra_deg / 15, ha[1] + obj.ra_deg / 15) if ha else None
    return ob_payload.Star(
        name=obj.name, ra_deg=obj.ra_deg, dec_deg=obj.dec_deg, pm_ra=obj.pm_ra, pm_dec=obj.pm_dec,
        parallax=obj.parallax, identifiers=obj.identifiers, object_types=obj.object_types,
        spectral_type=obj.spectral_type, mags=mags,
        diameter_mas=getattr(obj, diameter_field) if diameter_field else None, ha_interval=ha, lst_interval=lst)


def plan_payloads(*, plan: NightPlan, items: list[NightPlanItem] | None = None) -> list[tuple[NightPlanItem, dict]]:
    """The a2p2 OB dict of every block, in plan order (HA/LST intervals = observable span of the night)."""
    items = plan_items(plan=plan) if items is None else items
    if not items:
        return []
    band, *_ = scoring.mode_limits(plan.instrument, plan.mode)
    constraints = plan_constraints(plan)
    times = time_grid(plan.night_start, plan.night_end, constraints.step_minutes)
    stars = [s for i in items for s in (i.target, i.calibrator, i.calibrator_2 or i.calibrator)]
    vis = visibility(np.array([s.ra_deg for s in stars]), np.array([s.dec_deg for s in stars]), times, constraints)
    semester = plan.night.semester.code if plan.night.semester_id else ""
    out = []
    for k, item in enumerate(items):
        sci = _star(item.target, diameter_field=None, ha=vis.ha_range(3 * k))
        cals = [_star(c, diameter_field=DIAMETER_FIELD[band], ha=vis.ha_range(3 * k + 1 + j))
                for j, c in enumerate([item.calibrator, item.calibrator_2]) if c is not None]
        out.append((item, ob_payload.build(program_code=plan.program.code, night=plan.night.date,
                                           semester=semester, instrument=plan.instrument, mode=plan.mode,
                                           science=sci, calibrators=cals)))
    return out


def plan_obxml_files(*, plan: NightPlan) -> dict[str, str]:
    """File name -> Aspro2 obxml text, one per science target."""
    from domain.ob_format import ob_to_obxml

    return {f"{payload['name']}.obxml": ob_to_obxml(payload) for _, payload in plan_payloads(plan=plan)}


def next_scheduled_night(*, today: dt.date | None = None) -> Night | None:
    """The first scheduled night from tonight on (CHARA's noon-to-noon night, domain.site), else the earliest one."""
    today = today or night_date(timezone.now())
    scheduled = Night.objects.filter(status=Night.Status.SCHEDULED)
    return scheduled.filter(date__gte=today).order_by("date").first() or scheduled.order_by("date").first()
