"""Read-side queries of surveys/ used by every app (access decisions included)."""
from __future__ import annotations

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum
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
    SurveyGoal,
    Target,
)
from surveys.progress import GoalRow


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


def _valid_observation() -> Q:
    """An executed observation of the goal's program and instrument (and mode when the goal sets one)."""
    return Q(
        target__observations__status=Observation.Status.EXECUTED,
        target__observations__program=F("program"),
        target__observations__instrument=F("instrument"),
    ) & (Q(mode="") | Q(target__observations__mode=F("mode")))


def goal_rows(*, programs: QuerySet[Program], targets: QuerySet[Target] | None = None) -> list[GoalRow]:
    """Every goal with its valid-observation count and L2 check, in ONE aggregated query."""
    from archive.models import Product

    good_l2 = Product.objects.filter(
        target=OuterRef("target"), program=OuterRef("program"), instrument=OuterRef("instrument"),
        calib_level=2, current_version__quality_flag__gte=OuterRef("min_quality_flag"),
    )
    qs = SurveyGoal.objects.filter(program__in=programs)
    if targets is not None:
        qs = qs.filter(target__in=targets.values("pk"))
    qs = (
        qs.values("id", "target_id", "program_id", "instrument", "mode", "required_observations")
        .annotate(n_valid=Count("target__observations", filter=_valid_observation()),
                  l2_ok=Q(min_quality_flag__isnull=False) & Exists(good_l2))
        .order_by("id")
    )
    return [
        GoalRow(id=r["id"], target_id=r["target_id"], program_id=r["program_id"], instrument=r["instrument"],
                mode=r["mode"], required=r["required_observations"], n_valid=r["n_valid"], l2_ok=bool(r["l2_ok"]))
        for r in qs
    ]


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


def target_products(*, user, target: Target) -> list[dict]:
    """The target's products (current version) with the access decision for this user."""
    from archive.models import Product

    rows = []
    products = (
        Product.objects.filter(target=target).select_related("current_version", "program", "night")
        .order_by("calib_level", "t_min", "pk")
    )
    for product in products:
        decision = access_decision(user=user, program=product.program, target_id=target.pk,
                                   t_max_mjd=product.t_max)
        rows.append({"product": product, "version": product.current_version, "decision": decision})
    return rows


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


def night_links(*, user, night: Night) -> dict:
    """What a night connects to (plans, raw files, L2 runs, products), counted through the access policy."""
    from archive.models import Product
    from archive.selectors import product_access
    from pipelines.calibration import selectors as cal_selectors
    from pipelines.models import RawFile

    products = [p for p in Product.objects.filter(night=night).select_related("program")
                if product_access(user=user, product=p)]
    return {
        # Through the reverse relation: the planner is a layer above surveys.
        "plans": night.plans.filter(program__in=programs_visible_to(user=user)).select_related("program"),
        "pipeline_viewer": user.is_staff or programs_with_role(
            user=user, roles=("operator", "data_manager", "pi")).exists(),
        "n_raw": RawFile.objects.filter(night=night).count(),
        "n_l2_runs": cal_selectors.calibration_runs_visible_to(user=user).filter(night=night).count(),
        "n_products": len(products),
        "can_rerun": cal_selectors.can_rerun_l2(user=user, night=night),
    }


def target_obs_visible(*, user, target: Target) -> list:
    """The target's OBs in the programs the user belongs to (staff: all); none for anonymous visitors."""
    from obs_server.models import ObservingBlock

    if user is None or not user.is_authenticated:
        return []
    qs = ObservingBlock.objects.filter(target=target).select_related("program", "night").order_by("-submitted_at")
    if not user.is_staff:
        qs = qs.filter(program__in=programs_visible_to(user=user).filter(pk__in=viewer_for(user).program_ids))
    return list(qs[:100])


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
