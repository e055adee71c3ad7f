"""Read side of a person's desk: where the survey is and what waits for them, through the access policy.

Each block reads through the owning app's selectors and is limited
to the programs the user belongs to (staff: every program). Roles decide which
blocks are shown: reviewers (PI, data manager, staff) get the products awaiting
validation and the reviews superseded by a re-run; operators (and staff) get
failed OBs and failed pipeline runs.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils import timezone

from archive.selectors import l1_counts_by_night, products_to_review
from domain.site import night_date
from obs_server import selectors as ob_selectors
from pipelines.selectors import runs_failed_since
from portal.story import night_outcome
from surveys import selectors as survey_selectors

if TYPE_CHECKING:
    from surveys.models import CalibratorFlag, Night, Semester

REVIEW_ROLES = ("pi", "data_manager")
OPERATOR_ROLES = ("operator",)
RECENT_DAYS = 30


@dataclass
class Desk:
    today: dt.date
    semester: Semester | None
    semester_is_current: bool
    past: list[Night]
    tonight: Night | None
    upcoming: list[Night]
    programs: list[dict]
    queue: dict = field(default_factory=dict)
    reviewer: bool = False
    to_review: dict = field(default_factory=dict)
    new_l1: list[dict] = field(default_factory=list)
    suspects: list[CalibratorFlag] = field(default_factory=list)
    operator: bool = False
    failed_obs: list = field(default_factory=list)
    failed_runs: list = field(default_factory=list)


def _nights(semester: Semester | None, today: dt.date, program_ids: set[int]):
    qs = survey_selectors.nights_with_counts(semester=semester, program_ids=program_ids)
    past = list(qs.filter(date__lt=today).order_by("-date")[:8])
    for n in past:  # the outcome every page prints (portal.story)
        n.outcome = night_outcome(status=n.status, date=n.date, today=today, hours_lost=n.hours_lost,
                                  n_observations=n.n_obs, has_program=bool(n.allocations.all()))
    tonight = qs.filter(date=today).first()
    upcoming = list(qs.filter(date__gt=today).order_by("date")[:5])
    return past, tonight, upcoming


def _programs(user, programs) -> list[dict]:
    roles = survey_selectors.role_labels_by_program(user=user)
    out = []
    for p in programs.order_by("priority", "code"):
        r = roles.get(p.pk, set())
        if p.pi_id == user.pk:
            r.add("PI")
        out.append({"program": p, "roles": sorted(r) or (["staff"] if user.is_staff else ["delegate"])})
    return out


def _queue(user, today: dt.date) -> dict:
    qs = ob_selectors.queue_scope(user=user, night_date=today)
    by_state = dict(qs.values_list("state").annotate(n=Count("id")).order_by())
    return {"total": sum(by_state.values()), "by_state": sorted(by_state.items()),
            "tonight": qs.filter(night__date=today).count(), "any_night": qs.filter(night__isnull=True).count()}


def _new_l1(user, programs) -> list[dict]:
    return l1_counts_by_night(programs=programs, since=timezone.now() - dt.timedelta(days=RECENT_DAYS))


def _failed_runs(user, program_ids: set[int]):
    return runs_failed_since(since=timezone.now() - dt.timedelta(days=RECENT_DAYS),
                             program_ids=None if user.is_staff else program_ids)


def _failed_obs(user, programs):
    return ob_selectors.obs_failed_since(programs=programs, since=timezone.now() - dt.timedelta(days=RECENT_DAYS))


def desk_for(*, user, now: dt.datetime | None = None) -> Desk:
    """Everything the desk shows for this user, read now (nothing cached beyond the request)."""
    now = now or timezone.now()
    today = night_date(now)
    programs = survey_selectors.programs_visible_to(user=user)
    program_ids = set(programs.values_list("pk", flat=True))
    semester, is_current = survey_selectors.semester_of(date=today)
    past, tonight, upcoming = _nights(semester, today, program_ids)
    desk = Desk(today=today, semester=semester, semester_is_current=is_current, past=past, tonight=tonight,
                upcoming=upcoming, programs=_programs(user, programs), queue=_queue(user, today))
    reviewable = survey_selectors.programs_with_role(user=user, roles=REVIEW_ROLES)
    desk.reviewer = user.is_staff or reviewable.exists()
    if desk.reviewer:
        desk.to_review = products_to_review(user=user, programs=reviewable)
        desk.new_l1 = _new_l1(user, reviewable)
    operated = survey_selectors.programs_with_role(user=user, roles=OPERATOR_ROLES)
    desk.operator = user.is_staff or operated.exists()
    if desk.operator:
        desk.failed_obs = _failed_obs(user, operated)
        desk.failed_runs = _failed_runs(user, set(operated.values_list("pk", flat=True)))
    data_manager = survey_selectors.programs_with_role(user=user, roles=("data_manager",)).exists()
    if desk.reviewer or desk.operator or data_manager:
        desk.suspects = survey_selectors.calibrator_proposals()
    return desk
