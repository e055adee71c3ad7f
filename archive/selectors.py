"""Read side of archive/: what a user may see and download, and the data behind the review page."""
from __future__ import annotations

from django.db.models import QuerySet

from archive.models import OutboxMessage, Product, ProductVersion
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


def product_list(*, user, level: str = "", instrument: str = "", q: str = "", flag: str = "") -> list[Product]:
    """Products the user may read, newest first, with the filters of the list page."""
    qs: QuerySet[Product] = Product.objects.select_related(
        "program", "target", "night", "current_version").order_by("-created")
    if level.isdigit():
        qs = qs.filter(calib_level=int(level))
    if instrument:
        qs = qs.filter(instrument=instrument)
    if q:
        qs = qs.filter(target__name__icontains=q) | qs.filter(key__icontains=q)
    if flag == "unreviewed":
        qs = qs.filter(current_version__quality_flag__isnull=True)
    elif flag.isdigit():
        qs = qs.filter(current_version__quality_flag=int(flag))
    return [p for p in qs if product_access(user=user, product=p)]


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
