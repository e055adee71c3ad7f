"""Reads that gather several apps for the pages: goals against archived L2 products, a target's products
and OBs, what a night connects to. Each app's own tables are read here or through its selectors."""
from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from archive.models import Product
from archive.selectors import product_access
from obs_server.models import ObservingBlock
from pipelines.calibration import selectors as cal_selectors
from pipelines.models import RawFile
from surveys.models import Night, Observation, Program, SurveyGoal, Target
from surveys.progress import GoalRow
from surveys.selectors import access_decision, programs_visible_to, programs_with_role, viewer_for


def _valid_observation() -> Q:
    """An executed observation of the goal's program and instrument (and mode when the goal sets one)."""
    return Q(
        target__observations__status=Observation.Status.EXECUTED,
        target__observations__program=F("program"),
        target__observations__instrument=F("instrument"),
    ) & (Q(mode="") | Q(target__observations__mode=F("mode")))


def goal_rows(*, programs: QuerySet[Program], targets: QuerySet[Target] | None = None) -> list[GoalRow]:
    """Every goal with its valid-observation count and L2 check, in ONE aggregated query."""
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


def target_products(*, user, target: Target) -> list[dict]:
    """The target's products (current version) with the access decision for this user."""
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


def night_links(*, user, night: Night) -> dict:
    """What a night connects to (plans, raw files, L2 runs, products), counted through the access policy."""
    products = [p for p in Product.objects.filter(night=night).select_related("program")
                if product_access(user=user, product=p)]
    return {
        # Through the reverse relation: the planner is a layer beside the pages, neither imports the other.
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
    if user is None or not user.is_authenticated:
        return []
    qs = ObservingBlock.objects.filter(target=target).select_related("program", "night").order_by("-submitted_at")
    if not user.is_staff:
        qs = qs.filter(program__in=programs_visible_to(user=user).filter(pk__in=viewer_for(user).program_ids))
    return list(qs[:100])
