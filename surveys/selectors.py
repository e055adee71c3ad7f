"""Read-side queries of surveys/ used by every app (access decisions included)."""
from __future__ import annotations

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from surveys.embargo import ANONYMOUS, Decision, Grant, Viewer, can_read_proprietary
from surveys.models import (
    Calibrator,
    CalibratorFlag,
    Delegation,
    Night,
    NightAllocation,
    Observation,
    Program,
    ProgramRole,
    Semester,
    SurveyGoal,
    Target,
)


def viewer_for(user) -> Viewer:
    """Build the policy's view of a user once per request (never cached beyond it)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_issp_viewer", None)
    if cached is not None:
        return cached
    program_ids = frozenset(ProgramRole.objects.filter(user=user).values_list("program_id", flat=True))
    program_ids |= frozenset(Program.objects.filter(pi=user).values_list("id", flat=True))
    grants = tuple(
        Grant(program_id=d.program_id, target_id=d.target_id, ends=d.ends)
        for d in Delegation.objects.filter(grantee=user)
    )
    viewer = Viewer(authenticated=True, staff=user.is_staff, program_ids=program_ids, grants=grants)
    user._issp_viewer = viewer
    return viewer


def access_decision(*, user, program: Program | int, target_id: int | None, t_max_mjd: float | None,
                    embargo_months: int | None = None, public: bool = False) -> Decision:
    """The one entry point pages, downloads and APIs call before showing proprietary data."""
    if isinstance(program, Program):
        program_id, months = program.pk, program.embargo_months
    else:
        program_id = program
        months = Program.objects.values_list("embargo_months", flat=True).get(pk=program_id)
    if embargo_months is not None:
        months = embargo_months
    return can_read_proprietary(
        viewer=viewer_for(user), program_id=program_id, target_id=target_id, t_max_mjd=t_max_mjd,
        embargo_months=months, now=timezone.now(), public=public,
    )


def programs_with_role(*, user, roles: tuple[str, ...]) -> QuerySet[Program]:
    """Programs where the user holds one of `roles` (staff: all programs)."""
    if user.is_staff:
        return Program.objects.all()
    q = Q(roles__user=user, roles__role__in=roles)
    if "pi" in roles:
        q |= Q(pi=user)
    return Program.objects.filter(q).distinct()


def programs_visible_to(*, user) -> QuerySet[Program]:
    """Programs whose whole progress a user follows: staff all; members and PIs theirs, plus the
    programs of a live program-wide delegation. An ended delegation shows nothing; a per-target one
    opens that target's pages, not the program's dashboard rows."""
    if user is None or not user.is_authenticated:
        return Program.objects.none()
    if user.is_staff:
        return Program.objects.all()
    viewer = viewer_for(user)
    now = timezone.now()
    ids = set(viewer.program_ids) | {g.program_id for g in viewer.grants
                                     if g.target_id is None and (g.ends is None or now < g.ends)}
    return Program.objects.filter(pk__in=ids)


def visible_rows_q(*, user, program: str = "program", target: str = "target") -> Q:
    """Filter for rows of proprietary program data (OBs, observations, raw files) `user` may list:
    staff everything; members their programs; live delegations their program or their target.
    `program` / `target` name the lookups to the row's program and target."""
    viewer = viewer_for(user)
    if viewer.staff:
        return Q()
    now = timezone.now()
    q = Q(**{f"{program}__in": list(viewer.program_ids)})
    for grant in viewer.grants:
        if grant.ends is not None and now >= grant.ends:
            continue
        scope = Q(**{program: grant.program_id})
        if grant.target_id is not None:
            scope &= Q(**{target: grant.target_id})
        q |= scope
    return q


def target_rows(*, targets: QuerySet[Target], programs: QuerySet[Program] | None = None) -> list[dict]:
    """Identity columns of the status table plus executed-observation count and last date
    (counting only the observations of `programs` when given)."""
    executed = Q(observations__status=Observation.Status.EXECUTED)
    if programs is not None:
        executed &= Q(observations__program__in=programs)
    return list(
        targets.order_by().values("id", "name", "ra_deg", "dec_deg", "mag_v", "spectral_type", "priority")
        .annotate(n_obs=Count("observations", filter=executed, distinct=True),
                  last_obs=Max("observations__night__date", filter=executed),
                  n_products=Count("products", distinct=True))
    )


def observation_counts(*, programs: QuerySet[Program]) -> list[tuple]:
    """(target, program, instrument, mode, night date, semester, n executed) groups, by date."""
    qs = (
        Observation.objects.filter(program__in=programs, status=Observation.Status.EXECUTED)
        .values_list("target_id", "program_id", "instrument", "mode", "night__date", "night__semester__code")
        .annotate(n=Count("id")).order_by("night__date")
    )
    return list(qs)


def night_usage(*, programs: QuerySet[Program]) -> list[dict]:
    """Allocated nights (sum of fractions) per program, semester and night status."""
    return list(
        NightAllocation.objects.filter(program__in=programs)
        .values("program_id", "night__semester__code", "night__status")
        .annotate(nights=Sum("fraction"), hours_lost=Sum("night__hours_lost")).order_by()
    )


def night_list() -> QuerySet[Night]:
    return Night.objects.select_related("semester").prefetch_related("allocations__program").annotate(
        n_obs=Count("observations", filter=Q(observations__status=Observation.Status.EXECUTED), distinct=True),
        n_allocations=Count("allocations", distinct=True), n_raw=Count("raw_files", distinct=True),
    )


def calibrator_flags_by_name(names: list[str]) -> dict[str, list[str]]:
    """Active catalogue flags of calibrators by OB name ("HD 218470" or "HD_218470"), as short texts."""
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


def programs_by_code(*, codes) -> dict[str, Program]:
    """{code: Program (with its PI)} for the codes that name a program."""
    return {p.code: p for p in Program.objects.select_related("pi").filter(code__in=set(codes))}


def night_on(*, date) -> Night | None:
    """The scheduled night of this date, if any (other apps look nights up here, not in the model)."""
    return Night.objects.filter(date=date).first() if date else None


def nights_from(*, date) -> QuerySet[Night]:
    """Scheduled nights from this date on, earliest first."""
    return Night.objects.filter(date__gte=date).order_by("date")


def program_by_code(*, code: str) -> Program | None:
    return Program.objects.filter(code=code).first() if code else None


def target_by_pk(*, pk: int) -> Target | None:
    return Target.objects.filter(pk=pk).first()


def target_named(*, names) -> Target | None:
    """A portal target having one of these names."""
    return Target.objects.filter(name__in=names).first()


def star_position(*, names) -> tuple[float, float] | None:
    """(RA, Dec) in degrees of the target, else the calibrator, having one of these names."""
    for model in (Target, Calibrator):
        star = model.objects.filter(name__in=names).only("ra_deg", "dec_deg").first()
        if star:
            return star.ra_deg, star.dec_deg
    return None


def observations_overlapping(*, instrument: str, start, end) -> QuerySet[Observation]:
    """Observations on `instrument` that started before `end` and had not ended before `start`, latest first."""
    return (Observation.objects.filter(instrument=instrument, start__lte=end).exclude(end__lt=start)
            .select_related("program", "target", "ob").order_by("-start"))


def semester_of(*, date) -> tuple[Semester | None, bool]:
    """The semester running on `date` (True), else the latest begun before it or the first one (False)."""
    current = Semester.objects.filter(start__lte=date, end__gte=date).first()
    if current:
        return current, True
    return Semester.objects.filter(start__lte=date).order_by("-start").first() or Semester.objects.first(), False


def nights_with_counts(*, semester: Semester | None, program_ids: set[int]) -> QuerySet[Night]:
    """Nights (of `semester` when given) with their allocations and `n_obs`, the executed observations of
    these programs."""
    qs = Night.objects.prefetch_related("allocations__program").annotate(
        n_obs=Count("observations", filter=Q(observations__status=Observation.Status.EXECUTED,
                                             observations__program_id__in=program_ids), distinct=True))
    return qs.filter(semester=semester) if semester is not None else qs


def role_labels_by_program(*, user) -> dict[int, set[str]]:
    """{program id: the user's role names there} (a PI's own programs are the caller's to add)."""
    labels = dict(ProgramRole.Role.choices)
    roles: dict[int, set[str]] = {}
    for pid, role in ProgramRole.objects.filter(user=user).values_list("program_id", "role"):
        roles.setdefault(pid, set()).add(labels.get(role, role))
    return roles


def calibrator_proposals(*, limit: int = 20) -> list[CalibratorFlag]:
    """Automatic "suspect" proposals still active, latest first: a person must confirm (bad) or dismiss them."""
    return list(CalibratorFlag.objects.filter(active=True, state=CalibratorFlag.State.PROPOSED)
                .select_related("calibrator").order_by("-declared_at")[:limit])


def targets_with_goals(*, programs: QuerySet[Program]) -> QuerySet[Target]:
    """Targets having a survey goal in one of `programs`."""
    return Target.objects.filter(pk__in=SurveyGoal.objects.filter(program__in=programs).values("target"))


def targets_by_pk(*, pks) -> QuerySet[Target]:
    return Target.objects.filter(pk__in=pks)


def target_for_page(*, pk: int) -> Target | None:
    """The target with its programs and goals (the target page), or None."""
    return Target.objects.prefetch_related("programs", "goals__program").filter(pk=pk).first()


def programs_with_goals_on(*, target: Target) -> QuerySet[Program]:
    return Program.objects.filter(goals__target=target).distinct()


def target_observations(*, target: Target) -> list[Observation]:
    """The target's observations, earliest first, with their calibrators and those calibrators' active flags."""
    flags = Prefetch("flags", queryset=CalibratorFlag.objects.filter(active=True), to_attr="active_flags")
    return list(
        Observation.objects.filter(target=target).select_related("program", "night", "ob")
        .prefetch_related(Prefetch("calibrators", queryset=Calibrator.objects.prefetch_related(flags)))
        .order_by("start")
    )


def semester_codes_of_nights() -> list[str]:
    """The codes of the semesters that have nights, sorted."""
    return sorted(set(Night.objects.exclude(semester=None).values_list("semester__code", flat=True)))


def nights_with_shares() -> QuerySet[Night]:
    """Nights shared out to at least one program, by date, with their shares (the nights one can plan)."""
    return (Night.objects.filter(allocations__isnull=False).distinct()
            .prefetch_related("allocations__program").order_by("date"))


def night_by_pk(*, pk: int) -> Night | None:
    return Night.objects.filter(pk=pk).first()


def all_targets() -> QuerySet[Target]:
    return Target.objects.all()


def target_magnitudes(*, pks, band: str) -> dict[int, float | None]:
    """{target id: its magnitude in `band` (V, R, I, J, H or K)} for these targets."""
    return dict(Target.objects.filter(pk__in=pks).values_list("pk", f"mag_{band.lower()}"))


def calibrator_names(*, pks) -> dict[int, str]:
    return dict(Calibrator.objects.filter(pk__in=pks).values_list("pk", "name"))


def observation_by_pk(*, pk: int) -> Observation | None:
    """The observation with its program, target, night and OB."""
    return Observation.objects.select_related("program", "target", "night", "ob").filter(pk=pk).first()


def calibrator_proposal(*, pk: int) -> CalibratorFlag | None:
    """The flag (with its calibrator) while it is an active proposal awaiting a decision, else None."""
    return (CalibratorFlag.objects.select_related("calibrator")
            .filter(pk=pk, active=True, state=CalibratorFlag.State.PROPOSED).first())

