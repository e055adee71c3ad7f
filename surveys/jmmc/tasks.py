"""Celery tasks of the JMMC catalog sync (thin: call one service, retry when JMMC is down)."""
from __future__ import annotations

from celery import shared_task

from django.conf import settings

from domain.errors import ServiceUnavailable


@shared_task(bind=True, name="jmmc.catalog_sync", max_retries=3, default_retry_delay=300)
def jmmc_catalog_sync_task(self, force: bool = False) -> dict:
    """Beat entry: sync rows and delegations; skipped unless JMMC_SYNC_ENABLED (or forced)."""
    if not (force or getattr(settings, "JMMC_SYNC_ENABLED", False)):
        return {"skipped": "JMMC_SYNC_ENABLED is off"}
    from surveys.jmmc.delegations import catalog_full_sync

    try:
        result = catalog_full_sync()
    except ServiceUnavailable as exc:
        raise self.retry(exc=exc)
    return {"run": str(result.run.pk), **result.run.counts}


@shared_task(bind=True, name="jmmc.delegations_push", max_retries=3, default_retry_delay=60)
def jmmc_delegations_push_task(self) -> dict:
    """Push the portal's new delegations to the catalog (queue after a delegation is created)."""
    from surveys.jmmc.delegations import delegations_push

    try:
        report = delegations_push()
    except ServiceUnavailable as exc:
        raise self.retry(exc=exc)
    return {"pushed": report.pushed}
