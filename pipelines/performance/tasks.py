"""Celery tasks of performance/: keep the noise model's samples in step with the L1 products."""
from __future__ import annotations

from celery import shared_task

from pipelines.performance import services


@shared_task(name="performance.samples_refresh", acks_late=True)
def samples_refresh_task(version_ids: list[int] | None = None) -> dict:
    """Extract SNR samples from the given L1 versions (after an L1 run), or from every L1 version
    that has none yet (beat safety net). Idempotent."""
    return services.samples_refresh(version_ids=version_ids)
