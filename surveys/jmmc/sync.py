"""The diff between the JMMC `spica` catalog and what the portal last read of it.

Pure logic (no Django import): the services feed it the remote rows (from TAP)
and the last-read copy of each row (sync state), and it says which rows are new,
changed, renamed, removed, back again or unchanged. Nothing here deletes: a row
that disappears remotely is only reported, its portal target stays.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# catalog column -> meaning; the ADQL query selects exactly these columns.
CATALOG_COLUMNS = ("id", "name", "ra", "dec", "vmag", "sptype", "priority_pi", "pi", "instrument", "mode", "nb_obs")
# The values compared to decide "changed" (the row id is the key, not a value).
COMPARED = CATALOG_COLUMNS[1:]


class CatalogRowError(ValueError):
    """A remote row the portal cannot use (no id, no name, no position)."""


def _clean(value: Any) -> Any:
    """JSON-friendly scalar: numpy scalars to Python, NaN/masked/blank to None, strings stripped."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (ValueError, TypeError):
            return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def normalize_row(raw: dict[str, Any]) -> dict[str, Any]:
    """The catalog row as plain values keyed by CATALOG_COLUMNS; the id becomes a string."""
    row = {col: _clean(raw.get(col)) for col in CATALOG_COLUMNS}
    if row["id"] is None:
        raise CatalogRowError("a catalog row without id")
    row["id"] = str(int(row["id"])) if isinstance(row["id"], int | float) else str(row["id"])
    if not row["name"]:
        raise CatalogRowError(f"catalog row {row['id']} has no name")
    if row["ra"] is None or row["dec"] is None:
        raise CatalogRowError(f"catalog row {row['id']} ({row['name']}) has no position")
    for key in ("priority_pi", "nb_obs"):
        if row[key] is not None:
            row[key] = int(row[key])
    for key in ("ra", "dec", "vmag"):
        if row[key] is not None:
            row[key] = float(row[key])
    return row


@dataclass(frozen=True)
class Known:
    """What the portal last read of one row, and the name of the portal target bound to it."""

    row_id: str
    values: dict[str, Any]
    portal_name: str | None = None
    removed: bool = False


@dataclass
class Change:
    row_id: str
    kind: str  # created | updated | renamed | removed | restored
    name: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # column -> (before, after)
    row: dict[str, Any] | None = None

    def describe(self) -> str:
        detail = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in self.fields.items())
        return f"{self.kind} row {self.row_id} {self.name}" + (f" ({detail})" if detail else "")


@dataclass
class SyncPlan:
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def counts(self) -> dict[str, int]:
        counts = {k: len(self.of(k)) for k in ("created", "updated", "renamed", "removed", "restored")}
        return {**counts, "unchanged": self.unchanged, "errors": len(self.errors)}

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.errors


def diff_rows(remote: list[dict[str, Any]], known: dict[str, Known]) -> SyncPlan:
    """Compare the remote rows with the last-read copies (both keyed on the catalog row id).

    A row is "renamed" when its name differs from the last-read name (its other
    changed columns are listed too); "removed" when a known, not yet removed row
    is missing; "restored" when a removed row comes back.
    """
    plan = SyncPlan()
    seen: set[str] = set()
    for raw in remote:
        try:
            row = normalize_row(raw)
        except (CatalogRowError, TypeError, ValueError) as exc:
            plan.errors.append(str(exc))
            continue
        if row["id"] in seen:
            plan.errors.append(f"catalog row {row['id']} appears twice")
            continue
        seen.add(row["id"])
        before = known.get(row["id"])
        if before is None:
            plan.changes.append(Change(row["id"], "created", row["name"], row=row))
            continue
        fields = {k: (before.values.get(k), row[k]) for k in COMPARED if before.values.get(k) != row[k]}
        if before.removed:
            plan.changes.append(Change(row["id"], "restored", row["name"], fields, row))
        elif "name" in fields:
            plan.changes.append(Change(row["id"], "renamed", row["name"], fields, row))
        elif fields:
            plan.changes.append(Change(row["id"], "updated", row["name"], fields, row))
        else:
            plan.unchanged += 1
    for row_id, before in sorted(known.items()):
        if row_id not in seen and not before.removed:
            plan.changes.append(Change(row_id, "removed", before.portal_name or str(before.values.get("name"))))
    return plan


def page_query(*, table: str, after_id: int | None, page_size: int) -> str:
    """One ADQL page of the catalog, keyset-paged on the row id (stable under inserts)."""
    where = f" WHERE id > {int(after_id)}" if after_id is not None else ""
    return f"SELECT TOP {int(page_size)} {', '.join(CATALOG_COLUMNS)} FROM {table}{where} ORDER BY id"


def normalize_delegations(payload: Any, *, catalog: str) -> set[tuple[str, str]]:
    """(pi, co-I login) pairs of the delegations that cover `catalog`.

    The catalogs API answers ``{"delegations": [{"pi": ..., "coi": [...], "catalogs": [...]}]}``;
    `coi` and `catalogs` may also be comma-separated strings.
    """
    items = payload.get("delegations", []) if isinstance(payload, dict) else (payload or [])
    pairs: set[tuple[str, str]] = set()
    for item in items:
        if not isinstance(item, dict) or not item.get("pi"):
            continue
        catalogs = item.get("catalogs") or []
        catalogs = [c.strip() for c in catalogs.split(",")] if isinstance(catalogs, str) else list(catalogs)
        if catalogs and catalog not in catalogs:
            continue
        cois = item.get("coi") or []
        cois = [c.strip() for c in cois.split(",")] if isinstance(cois, str) else list(cois)
        pairs.update((str(item["pi"]), str(c)) for c in cois if str(c).strip())
    return pairs
