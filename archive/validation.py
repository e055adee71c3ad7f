"""Write side of the validation workflow: a person sets the quality flag of an L2 version.

The verdict (flag, comment, reviewer, date, processing) goes into the FITS
header of a new version (the archived file is immutable), into the database
and into the QualityReview audit trail; the OiDB granule is queued in the
same transaction.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from archive.models import Product, ProductVersion, QualityReview
from archive.oifits_checks import check_oifits
from archive.oifits_write import stamp_validation
from archive.publishing import version_publish
from archive.selectors import can_review
from archive.services import product_version_create
from archive.storage import absolute_path
from domain import quality
from domain.errors import ConflictError, PermissionRefused, ValidationFailed

MAX_COMMENT = 4000


def version_validate(*, version: ProductVersion, reviewer, flag, comment: str) -> ProductVersion:
    """Record a review; returns the new (stamped) version, which becomes current."""
    product = Product.objects.select_related("program", "target").get(pk=version.product_id)  # fresh: no stale current
    if not can_review(user=reviewer, program=product.program):
        raise PermissionRefused("Only the program's data managers, its PI or staff may validate its products.")
    errors = {}
    try:
        flag = quality.review_flag(flag)
    except quality.InvalidFlag as exc:
        errors["flag"] = str(exc)
    comment = (comment or "").strip()
    if not comment:
        errors["comment"] = "Say why: the comment is written into the FITS header and the audit trail."
    elif len(comment) > MAX_COMMENT:
        errors["comment"] = f"At most {MAX_COMMENT} characters."
    if product.kind != "oifits":
        errors["version"] = "Only OIFITS products carry a quality flag in their header."
    if errors:
        raise ValidationFailed("The review was not recorded.", errors)
    if product.current_version_id != version.pk:
        raise ConflictError(f"Version {version.number} is not the current one: review the current version.")
    source = absolute_path(version.path)
    if not source.exists():
        raise ConflictError("The archived file is missing: run manage.py archive_check.")
    now = timezone.now()
    who = reviewer.get_full_name() or reviewer.username
    content = stamp_validation(source, flag=flag, flag_label=quality.label(flag), comment=comment, reviewer=who,
                               date_iso=now.strftime("%Y-%m-%dT%H:%M:%S"), processing=version.processing)
    review_entry = {"reviewed_version": version.number, "flag": flag, "reviewer": who, "at": now.isoformat(),
                    "comment": comment}
    with transaction.atomic():
        # Under the product's row lock: of simultaneous reviews of one version, the first wins and the
        # others find it is no longer current (a no-op lock on SQLite, which serialises writers anyway).
        locked = Product.objects.select_for_update().only("current_version").get(pk=product.pk)
        if locked.current_version_id != version.pk:
            raise ConflictError(f"Version {version.number} is no longer the current one: someone validated it "
                                "meanwhile; review the current version.")
        new, _ = product_version_create(
            calib_level=product.calib_level, kind=product.kind, program=product.program, target=product.target,
            instrument=product.instrument, filename=version.filename, night=product.night,
            observation=product.observation, setup=product.setup, key=product.key, content=content,
            processing=version.processing, processed_by=version.processed_by, software=version.software,
            parameters=version.parameters, inputs=list(version.inputs.all()) or [version],
            calibrators=list(version.calibrators.all()),
            provenance={**(version.provenance or {}), "validation": review_entry, "stamped_from": version.pk},
            quality_flag=flag, validation_report=version.validation_report or {},
        )
        QualityReview.objects.create(version=new, flag=flag, comment=comment, reviewer=reviewer)
        version_publish(version=new)
    return new


def version_check(*, version: ProductVersion) -> dict:
    """Run the OIFITS checker on the stored file and keep its report on the version."""
    report = check_oifits(absolute_path(version.path)).as_dict()
    report["path"] = version.filename
    report["checked_at"] = timezone.now().isoformat()
    ProductVersion.objects.filter(pk=version.pk).update(validation_report=report)
    version.validation_report = report
    return report
