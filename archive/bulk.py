"""Bulk download selections: which current files of a selection a user may have, asked now.

A selection is the archive list's filters (level, instrument, q, flag, night, target) plus a
program code; the target, night and program pages link to it with one filter set. The access
policy runs when the zip or the script is requested (never cached), and again per file when a
script fetches each file's own download URL. Files the user may not read are counted, never
named (domain.bulk.withheld_lines).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from archive import selectors
from archive.storage import absolute_path
from domain.bulk import BulkItem, human_size, safe_part, unique_arcnames
from domain.errors import ValidationFailed

FILTERS = ("level", "instrument", "q", "flag", "night", "target", "program")


@dataclass
class BulkPlan:
    title: str
    items: list[BulkItem] = field(default_factory=list)
    withheld: int = 0  # refused by the access policy (embargo)
    missing: int = 0  # readable, but the file is not in the store
    public: set[int] = field(default_factory=set)  # version ids anyone may download

    @property
    def total_bytes(self) -> int:
        return sum(i.size for i in self.items)

    def zip_refusal(self) -> str | None:
        """Why this selection is too large for one zip, or None."""
        n, size = len(self.items), self.total_bytes
        if n > settings.BULK_ZIP_MAX_FILES or size > settings.BULK_ZIP_MAX_BYTES:
            return (f"The selection has {n} files ({human_size(size)}); one zip holds at most "
                    f"{settings.BULK_ZIP_MAX_FILES} files and {human_size(settings.BULK_ZIP_MAX_BYTES)}. "
                    "Download it with the curl script instead, or narrow the filters.")
        return None


def selection_filters(query) -> dict[str, str]:
    """The selection from a query string; a malformed value is refused with the field and the reason."""
    filters = {k: query.get(k, "").strip() for k in FILTERS}
    errors = {}
    if filters["night"]:
        try:
            dt.date.fromisoformat(filters["night"])
        except ValueError:
            errors["night"] = f"{filters['night']!r} is not a date (YYYY-MM-DD)"
    for name in ("target", "level"):
        if filters[name] and not (filters[name].isdigit() and len(filters[name]) <= 18):
            errors[name] = f"{filters[name]!r} is not a number"
    if filters["flag"] and filters["flag"] != "unreviewed" and not filters["flag"].isdigit():
        errors["flag"] = f"{filters['flag']!r} is not a quality level (1-5) or 'unreviewed'"
    if errors:
        raise ValidationFailed("Bad bulk download selection.", errors)
    return {k: v for k, v in filters.items() if v}


def selection_title(filters: dict[str, str], target_name: str | None) -> str:
    """Words for the README: 'target HD 1234, night 2026-05-01' (a name only from a row the user may read)."""
    parts = []
    if "target" in filters:
        name = target_name
        parts.append(f"target {name}" if name else f"target #{filters['target']}")
    parts += [f"{key} {filters[key]}" for key in ("night", "program", "level", "instrument", "flag", "q")
              if key in filters]
    return ", ".join(parts) or "all products"


def bulk_plan(*, user, filters: dict[str, str]) -> BulkPlan:
    """The current version of every product in the selection, through the access policy now."""
    qs = selectors.product_filtered(level=filters.get("level", ""), instrument=filters.get("instrument", ""),
                                    q=filters.get("q", ""), flag=filters.get("flag", ""),
                                    night=filters.get("night", ""), target_id=filters.get("target", ""),
                                    program=filters.get("program", ""))
    qs = qs.filter(current_version__isnull=False).order_by("target__name", "calib_level", "night__date", "pk")
    readable, withheld, missing = [], 0, 0
    anyone = AnonymousUser()
    public, target_name = set(), None
    for product in qs:
        if not selectors.product_access(user=user, product=product):
            withheld += 1
            continue
        version = product.current_version
        try:
            path = absolute_path(version.path)
        except ValueError:
            path = None
        if path is None or not path.is_file():
            missing += 1
            continue
        if selectors.product_access(user=anyone, product=product):
            public.add(version.pk)
        night = product.night.date.isoformat() if product.night else "no-night"
        name = f"{safe_part(product.target.name)}/L{product.calib_level}/{night}/{safe_part(version.filename)}"
        readable.append((name, version, path))
        target_name = target_name or product.target.name
    names = unique_arcnames(n for n, _, _ in readable)
    items = [BulkItem(arcname=a, size=v.size, sha256=v.sha256, version_id=v.pk, path=p,
                      created=v.created)
             for a, (_, v, p) in zip(names, readable, strict=True)]
    return BulkPlan(title=selection_title(filters, target_name), items=items, withheld=withheld, missing=missing,
                    public=public)
