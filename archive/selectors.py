"""Read side of archive/: what a user may see and download, and the data behind the review page."""
from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from archive import quality
from archive.lifecycle import version_changes
from archive.models import OutboxMessage, Product, ProductVersion, QualityReview
from surveys.embargo import Decision
from surveys.models import ProgramRole
from surveys.selectors import access_decision

REVIEW_ROLES = (ProgramRole.Role.DATA_MANAGER, ProgramRole.Role.PI)


def version_access(*, user, version: ProductVersion) -> Decision:
    """The access policy for one version's file, asked at the moment of the request (never cached)."""
    product = version.product
    return access_decision(user=user, program=product.program, target_id=product.target_id, t_max_mjd=product.t_max)


def product_access(*, user, product: Product) -> Decision:
    return access_decision(user=user, program=product.program, target_id=product.target_id, t_max_mjd=product.t_max)


def can_review(*, user, program) -> bool:
    """Staff, the program's PI and its data managers validate products."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or program.pi_id == user.pk:
        return True
    return ProgramRole.objects.filter(user=user, program=program, role__in=REVIEW_ROLES).exists()


def product_list(*, user, level: str = "", instrument: str = "", q: str = "", flag: str = "",
                 night: str = "", target_id: str = "", program: str = "") -> list[Product]:
    """Products the user may read, newest first, with the filters of the list page."""
    qs = product_filtered(level=level, instrument=instrument, q=q, flag=flag, night=night, target_id=target_id,
                          program=program)
    return [p for p in qs if product_access(user=user, product=p)]


def product_filtered(*, level: str = "", instrument: str = "", q: str = "", flag: str = "", night: str = "",
                     target_id: str = "", program: str = "") -> QuerySet[Product]:
    """The list page's filters, before the access policy (callers must apply it to every row)."""
    qs: QuerySet[Product] = Product.objects.select_related(
        "program", "target", "night", "current_version").order_by("-created")
    if level.isdigit() and len(level) <= 3:
        qs = qs.filter(calib_level=int(level))
    if instrument:
        qs = qs.filter(instrument=instrument)
    if night:
        qs = qs.filter(night__date=night) if _is_date(night) else qs.none()
    if target_id.isdigit() and len(target_id) <= 18:  # a longer number overflows the database integer
        qs = qs.filter(target_id=int(target_id))
    if program:
        qs = qs.filter(program__code=program)
    if q:
        qs = qs.filter(target__name__icontains=q) | qs.filter(key__icontains=q)
    if flag == "unreviewed":
        qs = qs.filter(current_version__quality_flag__isnull=True)
    elif flag.isdigit() and len(flag) <= 3:
        qs = qs.filter(current_version__quality_flag=int(flag))
    return qs


def _is_date(text: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def product_instruments() -> list[str]:
    return list(Product.objects.order_by("instrument").values_list("instrument", flat=True).distinct())


def product_outbox(*, product: Product) -> QuerySet[OutboxMessage]:
    return product.outbox_messages.order_by("-created")[:20]


def product_granules(*, product: Product) -> list[dict]:
    """Where the product's granule stands in each remote it is pushed to (latest message per destination)."""
    from archive.exporters.base import exporter_class

    latest: dict[str, OutboxMessage] = {}
    for message in product.outbox_messages.order_by("created", "pk"):
        latest[message.destination] = message
    return [{"destination": d, "label": exporter_class(d).label if exporter_class(d) else d,
             "collection": m.payload.get("obs_collection", ""), "state": m.state, "state_label": m.get_state_display(),
             "remote_id": m.remote_id, "when": m.sent_at or m.created, "attempts": m.attempts,
             "error": (f"HTTP {m.http_status}: " if m.http_status else "") + (m.last_error or "")}
            for d, m in sorted(latest.items())]


def _facts(version: ProductVersion) -> dict:
    return {"parameters": version.parameters or {}, "calibrators": [c.name for c in version.calibrators.all()],
            "software": version.software, "processing": version.processing,
            "processed_by": str(version.processed_by) if version.processed_by else None}


def review_supersession(*, product: Product) -> dict | None:
    """The last review when a newer, unreviewed version became current since; with what changed."""
    review = (QualityReview.objects.filter(version__product=product).select_related("version", "reviewer")
              .order_by("-at", "-pk").first())
    current = product.current_version
    if review is None or current is None or current.pk == review.version_id or quality.is_reviewed(
            current.quality_flag):
        return None
    return {"review": review, "reviewed": review.version, "current": current,
            "current_label": quality.label(current.quality_flag),
            "changes": version_changes(_facts(review.version), _facts(current))}


def _unreviewed_current() -> Q:
    return Q(current_version__quality_flag__isnull=True) | ~Q(current_version__quality_flag__in=[
        f for f, _ in quality.REVIEW_CHOICES])


def products_to_review(*, user, programs) -> dict[str, list[Product]]:
    """For a reviewer's desk: L2 never reviewed, and L2 whose review a newer version superseded."""
    reviewed = QualityReview.objects.filter(version__product=OuterRef("pk"))
    qs = (Product.objects.filter(program__in=programs, calib_level=2, kind="oifits",
                                 current_version__isnull=False).filter(_unreviewed_current())
          .annotate(was_reviewed=Exists(reviewed)).select_related("program", "target", "night", "current_version")
          .order_by("-current_version__created"))
    rows = [p for p in qs[:500] if product_access(user=user, product=p)]
    return {"awaiting": [p for p in rows if not p.was_reviewed],
            "superseded": [p for p in rows if p.was_reviewed]}


def product_runs(*, product: Product) -> list[dict]:
    """Links to the pipeline runs that made the product's versions (L2 calibration runs, L1 reductions)."""
    from django.urls import reverse

    out, seen = [], set()
    for version in product.versions.only("provenance", "number").order_by("number"):  # a run made its first one
        run_id = (version.provenance or {}).get("run")
        if run_id and run_id not in seen:
            seen.add(run_id)
            name = "calibration:run-detail" if product.calib_level == 2 else "pipelines:run-detail"
            out.append({"url": reverse(name, args=[run_id]), "label": f"run of v{version.number}"})
    if product.calib_level == 1:
        # Through the reverse relation (ProductVersion.reduced_from): pipelines is a layer above archive.
        reductions = (product.versions.filter(reduced_from__run__isnull=False).order_by("-reduced_from__created")
                      .values_list("reduced_from__run_id", "reduced_from__raw_file__original_name"))
        for run_id, raw_name in reductions:
            if run_id not in seen:
                seen.add(run_id)
                out.append({"url": reverse("pipelines:run-detail", args=[run_id]),
                            "label": f"L1 reduction of {raw_name}"})
    return out


def target_model_fits(*, target) -> QuerySet[Product]:
    """The target's current L3 model-fit products (the access policy is applied by the caller, per row)."""
    return Product.objects.filter(target=target, calib_level=3, kind__startswith="model-",
                                  current_version__isnull=False).select_related("program", "current_version")


def l1_counts_by_night(*, programs, since, limit: int = 10) -> list[dict]:
    """New L1 products of these programs since a moment, counted per night (latest night first)."""
    rows = (Product.objects.filter(program__in=programs, calib_level=1, current_version__created__gte=since,
                                   night__isnull=False)
            .values("night__date").annotate(n=Count("id")).order_by("-night__date")[:limit])
    return [{"date": r["night__date"], "n": r["n"]} for r in rows]


def version_with_product(*, pk: int) -> ProductVersion | None:
    """The version with its product's program, target and night."""
    return (ProductVersion.objects.select_related("product__program", "product__target", "product__night")
            .filter(pk=pk).first())


def night_products(*, night, calib_level: int) -> list[Product]:
    """The night's products of one level, with their program and target (the access policy is the caller's)."""
    return list(Product.objects.filter(night=night, calib_level=calib_level).select_related("program", "target"))
