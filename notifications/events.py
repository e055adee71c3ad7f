"""Read side of notifications: what an event is, who it concerns, and what each recipient may read of it.

Each kind of event is built from the id of the row the chain just wrote (and a tag for
events that recur on the same row), reading the rows through surveys' and archive's
selectors. Recipients come from the per-program roles of surveys (PI, co-I, data manager)
and from who decides calibrator flags (surveys.people); the access policy
(surveys.selectors.access_decision via archive.selectors) is asked per recipient, at send
time: a recipient who may not read the data gets no e-mail (`lines_for` -> None).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from archive.selectors import REVIEW_ROLES, night_products, product_access, version_with_product
from domain import quality
from notifications.models import EventKind
from surveys.people import calibrator_flag_deciders, roles_held, users_with_role
from surveys.selectors import access_decision, calibrator_proposal, night_by_pk, observation_by_pk

# Program roles (the values of surveys' ProgramRole.Role) whose holders each kind concerns.
OB_ROLES = ("pi", "member")
NIGHT_ROLES = ("pi", "member", "data_manager")
WHO = {  # shown on the settings page: who receives each kind
    EventKind.L2_AWAITS_VALIDATION: "the program's PI and data managers (its reviewers)",
    EventKind.NIGHT_REDUCED: "PIs, co-Is and data managers of the programs with data that night",
    EventKind.OB_OUTCOME: "the program's PI and co-Is",
    EventKind.SUSPECT_CALIBRATOR: "staff and data managers (who confirm or dismiss calibrator flags)",
}


@dataclass(frozen=True)
class Event:
    kind: str
    object_id: int
    tag: str
    key: str  # the event's identity: one e-mail per (recipient, kind, key)
    subject: str
    path: str  # the page to open, relative to the portal's base URL
    recipients: tuple  # users concerned by their role, before preferences and the access policy
    lines_for: Callable[[object], list[str] | None]  # the body for one user; None: may not read it


def _with_email(users: QuerySet) -> tuple:
    return tuple(users.exclude(email="").order_by("pk"))


def _program_users(programs, roles) -> tuple:
    return _with_email(users_with_role(programs=programs, roles=roles))


def _l2_awaits(object_id: int, tag: str) -> Event | None:
    version = version_with_product(pk=object_id)
    if version is None:
        return None
    product = version.product
    if (product.calib_level != 2 or product.kind != "oifits" or product.current_version_id != version.pk
            or quality.is_reviewed(version.quality_flag)):
        return None  # superseded or already reviewed: nothing waits any more
    night = product.night.date.isoformat() if product.night else "?"

    def lines_for(user) -> list[str] | None:
        if not product_access(user=user, product=product).allowed:
            return None
        setup = product.setup or product.instrument  # the setup key starts with the instrument
        return [f"A new L2 version awaits your validation: {product.target.name}, night {night}, {setup}.",
                f"Program {product.program.code}; file {version.filename} (version {version.number}, "
                f"{version.get_processing_display().lower()} processing)."]

    return Event(EventKind.L2_AWAITS_VALIDATION, object_id, tag, f"version:{object_id}",
                 f"L2 awaits validation: {product.target.name} {night} ({product.program.code})",
                 reverse("archive:version-detail", args=[version.pk]),
                 _program_users([product.program], REVIEW_ROLES), lines_for)


def _night_reduced(object_id: int, tag: str) -> Event | None:
    night = night_by_pk(pk=object_id)
    if night is None:
        return None
    products = night_products(night=night, calib_level=1)
    if not products:
        return None
    programs = {p.program_id: p.program for p in products}.values()

    def lines_for(user) -> list[str] | None:
        readable = Counter(p.program.code for p in products if product_access(user=user, product=p).allowed)
        if not readable:
            return None
        per_program = ", ".join(f"{code}: {n}" for code, n in sorted(readable.items()))
        return [f"The L1 reduction of the night {night.date.isoformat()} is complete.",
                f"L1 files of your programs: {sum(readable.values())} ({per_program})."]

    return Event(EventKind.NIGHT_REDUCED, object_id, tag, f"night:{object_id}:{tag}",
                 f"Night {night.date.isoformat()} reduced (L1 complete)",
                 reverse("surveys:night-detail", args=[night.date.isoformat()]),
                 _program_users(programs, NIGHT_ROLES), lines_for)


def _ob_outcome(object_id: int, tag: str) -> Event | None:
    obs = observation_by_pk(pk=object_id)
    if obs is None:
        return None
    outcome = obs.get_status_display().lower()
    path = (reverse("obs_server:ob-page", args=[obs.ob_id]) if obs.ob_id
            else reverse("surveys:night-detail", args=[obs.night.date.isoformat()]))

    def lines_for(user) -> list[str] | None:
        if not access_decision(user=user, program=obs.program, target_id=obs.target_id, t_max_mjd=None).allowed:
            return None
        which = f"OB {obs.ob_id}" if obs.ob_id else "An OB"
        setup = " ".join(x for x in (obs.instrument, obs.mode, obs.stations) if x)
        lines = [f"{which} of program {obs.program.code} on {obs.target.name} was {outcome} "
                 f"on the night {obs.night.date.isoformat()} ({setup})."]
        if obs.comment:
            lines.append(f"Comment: {obs.comment}")
        return lines

    return Event(EventKind.OB_OUTCOME, object_id, tag, f"observation:{object_id}:{obs.status}",
                 f"OB {outcome}: {obs.target.name} {obs.night.date.isoformat()} ({obs.program.code})", path,
                 _program_users([obs.program], OB_ROLES), lines_for)


def _suspect(object_id: int, tag: str) -> Event | None:
    flag = calibrator_proposal(pk=object_id)
    if flag is None:
        return None  # gone, withdrawn or already decided: nobody needs to decide any more
    recipients = _with_email(calibrator_flag_deciders())
    night = flag.night.isoformat() if flag.night else "?"

    def lines_for(user) -> list[str] | None:  # calibrators are public data (catalogue stars)
        return [f"The L2 calibration of the night {night} proposes to flag {flag.calibrator.name} as "
                f"{flag.get_kind_display().lower()}.", f"Evidence: {flag.comment}",
                "Confirm or dismiss it: until then it is excluded on that night only."]

    return Event(EventKind.SUSPECT_CALIBRATOR, object_id, tag, f"flag:{object_id}",
                 f"Suspect calibrator proposed: {flag.calibrator.name} ({night})",
                 reverse("surveys:calibrator-detail", args=[flag.calibrator_id]), recipients, lines_for)


BUILDERS: dict[str, Callable[[int, str], Event | None]] = {
    EventKind.L2_AWAITS_VALIDATION: _l2_awaits,
    EventKind.NIGHT_REDUCED: _night_reduced,
    EventKind.OB_OUTCOME: _ob_outcome,
    EventKind.SUSPECT_CALIBRATOR: _suspect,
}


def event_build(*, kind: str, object_id: int, tag: str = "") -> Event | None:
    """The event as the database shows it now; None when it no longer needs anyone (or is gone)."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown notification kind {kind!r}; one of {', '.join(BUILDERS)}")
    return BUILDERS[kind](object_id, tag)


def kinds_concerning(*, user) -> set[str]:
    """The kinds this user would receive by their roles (the settings page says which apply)."""
    roles = roles_held(user=user)
    kinds = set()
    if roles & set(REVIEW_ROLES):
        kinds.add(EventKind.L2_AWAITS_VALIDATION)
    if roles & set(NIGHT_ROLES):
        kinds.add(EventKind.NIGHT_REDUCED)
    if roles & set(OB_ROLES):
        kinds.add(EventKind.OB_OUTCOME)
    if user.is_staff or "data_manager" in roles:
        kinds.add(EventKind.SUSPECT_CALIBRATOR)
    return kinds
