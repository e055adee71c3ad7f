"""PI -> co-I delegations kept in agreement between the JMMC catalog and the portal.

The catalog delegates per PI: a co-I gets the rows whose `pi` column is that PI.
In the portal that is one Delegation per such target (program = the catalog's
program, granted_by = the PI's user). A program-wide portal delegation covers
every PI's rows. People are matched by JMMC login = portal e-mail (or username).
End dates do not exist in the catalog: only live portal delegations are pushed.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from domain.errors import ApplicationError, ServiceUnavailable
from surveys.jmmc.clients import CatalogApiClient, jmmc_settings
from surveys.jmmc.models import CatalogRow
from surveys.jmmc.services import SyncResult, catalog_sync, sync_program
from surveys.jmmc.sync import normalize_delegations
from surveys.models import Delegation
from surveys.services import delegation_get_or_create

logger = logging.getLogger(__name__)


@dataclass
class DelegationReport:
    created: list[str] = field(default_factory=list)
    pushed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return ([f"imported delegation: {x}" for x in self.created] + [f"pushed delegation: {x}" for x in self.pushed]
                + [f"delegation not applied: {x}" for x in self.skipped])


def user_for_login(login: str):
    """The portal user with this JMMC login (e-mail first, then username), or None."""
    User = get_user_model()
    return (User.objects.filter(email__iexact=login).order_by("pk").first()
            or User.objects.filter(username=login).first())


def login_of(user) -> str:
    return user.email or user.username


def _rows_by_pi(catalog: str) -> dict[str, list[CatalogRow]]:
    rows: dict[str, list[CatalogRow]] = defaultdict(list)
    for row in CatalogRow.objects.filter(catalog=catalog, removed_at=None, target__isnull=False):
        if row.values.get("pi"):
            rows[row.values["pi"]].append(row)
    return rows


def _live(qs):
    return qs.filter(Q(ends__isnull=True) | Q(ends__gt=timezone.now()))


@transaction.atomic
def delegations_import(*, client: CatalogApiClient | None = None,
                       report: DelegationReport | None = None) -> DelegationReport:
    """Create the portal delegations for the catalog's (PI, co-I) pairs that the portal lacks."""
    client = client or CatalogApiClient()
    report = report or DelegationReport()
    catalog, program = jmmc_settings()["catalog"], sync_program()
    logins = {p.get("name"): p.get("login") for p in client.pis()}
    rows_by_pi = _rows_by_pi(catalog)
    for pi, coi in sorted(normalize_delegations(client.delegations(), catalog=catalog)):
        grantee = user_for_login(coi)
        if grantee is None:
            report.skipped.append(f"{pi} -> {coi}: no portal user with this login")
            continue
        granter = user_for_login(logins[pi]) if logins.get(pi) else None
        if _live(Delegation.objects.filter(program=program, grantee=grantee, target__isnull=True)).exists():
            continue  # a program-wide delegation already covers every row
        for row in rows_by_pi.get(pi, []):
            _, created = delegation_get_or_create(program=program, target=row.target, grantee=grantee,
                                                  granted_by=granter)
            if created:
                report.created.append(f"{pi} -> {coi} on {row.target}")
    return report


def portal_pairs(*, catalog: str) -> set[tuple[str, str]]:
    """The (PI, co-I login) pairs the portal's live delegations mean in catalog terms."""
    program = sync_program()
    rows_by_pi = _rows_by_pi(catalog)
    pi_of_target = {row.target_id: pi for pi, rows in rows_by_pi.items() for row in rows}
    pairs: set[tuple[str, str]] = set()
    for delegation in _live(Delegation.objects.filter(program=program)).select_related("grantee"):
        coi = login_of(delegation.grantee)
        if delegation.target_id is None:
            pairs.update((pi, coi) for pi in rows_by_pi)
        elif delegation.target_id in pi_of_target:
            pairs.add((pi_of_target[delegation.target_id], coi))
    return pairs


def delegations_push(*, client: CatalogApiClient | None = None,
                     report: DelegationReport | None = None) -> DelegationReport:
    """Send the portal's delegations missing in the catalog (`PUT /delegations`), then read them back."""
    client = client or CatalogApiClient()
    report = report or DelegationReport()
    catalog = jmmc_settings()["catalog"]
    missing = portal_pairs(catalog=catalog) - normalize_delegations(client.delegations(), catalog=catalog)
    if not missing:
        return report
    by_pi: dict[str, list[str]] = defaultdict(list)
    for pi, coi in sorted(missing):
        by_pi[pi].append(coi)
    client.update_delegations(
        [{"pi": pi, "catalogs": catalog, "coi": cois, "action": "add"} for pi, cois in by_pi.items()]
    )
    remote = normalize_delegations(client.delegations(), catalog=catalog)
    lost = missing - remote
    if lost:
        raise ServiceUnavailable(f"the catalog did not keep {len(lost)} delegation(s): {sorted(lost)}")
    report.pushed.extend(f"{pi} -> {coi}" for pi, coi in sorted(missing))
    return report


def delegations_sync() -> DelegationReport:
    """Both ways: import the catalog's pairs, then push the portal's."""
    client = CatalogApiClient()
    report = delegations_import(client=client)
    return delegations_push(client=client, report=report)


def delegations_diff() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Read-only: (pairs only in the catalog, pairs only in the portal), for dry runs."""
    catalog = jmmc_settings()["catalog"]
    remote = normalize_delegations(CatalogApiClient().delegations(), catalog=catalog)
    local = portal_pairs(catalog=catalog)
    return remote - local, local - remote


def catalog_full_sync(*, dry_run: bool = False) -> SyncResult:
    """Rows first (delegations map to the rows' PIs), then delegations both ways."""
    result = catalog_sync(dry_run=dry_run)
    if dry_run:
        to_import, to_push = delegations_diff()
        result.report += [f"would import delegation: {pi} -> {coi}" for pi, coi in sorted(to_import)]
        result.report += [f"would push delegation: {pi} -> {coi}" for pi, coi in sorted(to_push)]
        return result
    try:
        report = delegations_sync()
    except ApplicationError as exc:
        result.run.report = [*result.run.report, f"delegations failed: {exc.message}"]
        result.run.error_summary = exc.message
        result.run.save(update_fields=["report", "error_summary"])
        raise
    run = result.run
    run.report = [*run.report, *report.lines()]
    run.counts = {**run.counts, "delegations_imported": len(report.created), "delegations_pushed": len(report.pushed)}
    run.save(update_fields=["report", "counts"])
    result.report = run.report
    return result
