"""Write side of performance/: samples extracted from current L1 products."""
from __future__ import annotations

import logging

from django.db import transaction

from archive.models import ProductVersion
from archive.storage import absolute_path
from domain.instruments import get_instrument
from pipelines.calibration.oifits_io import L1ReadError
from pipelines.performance.extract import samples_from_path
from pipelines.performance.models import SnrSample

logger = logging.getLogger(__name__)


def band_magnitude(target, instrument: str) -> float | None:
    """The target's magnitude in the instrument's science band (SPICA R, MIRC-X H, MYSTIC K)."""
    if target is None:
        return None
    band = get_instrument(instrument).bands[0].lower()
    return getattr(target, f"mag_{band}", None)


def samples_refresh_later(version_ids: list[int]) -> None:
    """Queue the sample extraction of new L1 versions once the caller's transaction has committed
    (the L1 step calls this, so the noise model follows the data without anyone pressing a button)."""
    if not version_ids:
        return
    from pipelines.performance.tasks import samples_refresh_task

    ids = sorted(set(version_ids))
    transaction.on_commit(lambda: samples_refresh_task.delay(ids))


def samples_refresh(*, versions=None, version_ids: list[int] | None = None) -> dict:
    """Extract samples from L1 versions that have none yet (idempotent): the given ones (`versions`
    queryset or `version_ids`), else every current L1 version."""
    if versions is None and version_ids is not None:
        versions = ProductVersion.objects.filter(pk__in=version_ids, product__calib_level=1)
    if versions is None:
        versions = ProductVersion.objects.filter(product__calib_level=1, product__current_version__isnull=False)
    versions = versions.exclude(snr_samples__isnull=False)
    created, failed = 0, []
    for version in versions.select_related("product", "product__target", "product__observation"):
        product = version.product
        try:
            rows = samples_from_path(absolute_path(version.path))
        except (L1ReadError, OSError, KeyError, ValueError) as exc:
            failed.append({"version": version.pk, "reason": str(exc)})
            continue
        obs = product.observation
        objects = [
            SnrSample(version=version, observation=obs, target=product.target, instrument=row["instrument"],
                      mode=row["mode"] or product.setup.split("-")[0], role=row["role"], baseline=row["baseline"],
                      mjd=row["mjd"], mag=band_magnitude(product.target, row["instrument"]),
                      tau0_ms=row["tau0_ms"] or (obs.tau0 if obs else None),
                      r0_cm=row["r0_cm"] or (obs.r0 if obs else None), dit_s=row["dit_s"],
                      n_frames=row["n_frames"], snr_v2=row["snr_v2"], v2=row["v2"], tf2=row["tf2"])
            for row in rows
        ]
        with transaction.atomic():
            SnrSample.objects.bulk_create(objects, ignore_conflicts=True)
        created += len(objects)
    if failed:
        logger.warning("performance samples: %d L1 versions unreadable", len(failed))
    return {"samples": created, "failed": failed}
