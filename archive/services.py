"""Write side of archive/: products and their immutable versions."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max

from archive.models import Product, ProductVersion
from archive.publishing import version_publish
from archive.storage import absolute_path, store_bytes, store_file
from domain.oidb import OidbKeywords, obs_id_for, stamp_oidb_keywords

OIDB_LEVELS = (1, 2)  # OIFITS levels OiDB indexes from the file's own header


def _with_oidb_keywords(*, calib_level: int, key: str, program, target, quality_flag: int | None,
                        source_path: Path | None, content: bytes | None) -> bytes | None:
    """The file with the keywords OiDB reads (domain.oidb); None if it is not readable FITS (the checker says why)."""
    keywords = OidbKeywords(quality_level=quality_flag, progid=program.code, obs_id=obs_id_for(key),
                            proposal_subid=getattr(target, "catalog_row_id", None))
    try:
        return stamp_oidb_keywords(keywords=keywords, calib_level=calib_level, source=source_path, content=content)
    except (OSError, ValueError, IndexError, TypeError):
        return None


def product_key(*, calib_level: int, kind: str, instrument: str, target_name: str, night_date: str | None,
                setup: str = "") -> str:
    """Stable identity of a product: level, instrument, target, night, setup, kind."""
    return "/".join([f"L{calib_level}", instrument, target_name.replace(" ", "_"), night_date or "-",
                     setup or "-", kind])


def product_version_create(
    *,
    calib_level: int,
    kind: str,
    program,
    target,
    instrument: str,
    filename: str,
    night=None,
    observation=None,
    setup: str = "",
    key: str | None = None,
    source_path: Path | None = None,
    content: bytes | None = None,
    processing: str = ProductVersion.Processing.AUTOMATIC,
    processed_by=None,
    software: str = "",
    parameters: dict | None = None,
    inputs: Iterable[ProductVersion] = (),
    calibrators: Iterable = (),
    provenance: dict | None = None,
    t_min: float | None = None,
    t_max: float | None = None,
    quality_flag: int | None = None,
    validation_report: dict | None = None,
    check: bool = False,
) -> tuple[ProductVersion, bool]:
    """Store a file as a new version of its product, or return the existing one.

    L1 and L2 OIFITS files are stored with OiDB's primary-header keywords
    (`domain.oidb`: quality level, program, SPICA catalog id, science/calibrator,
    ARCFILE = obs_id + ".fits"), so OiDB reads the values the portal pushes.

    Idempotent: if the product's current version has the same checksum and the
    same parameters, nothing is created and (current, False) is returned. The
    file is stored (atomically, content-addressed) before the rows are written,
    so a crash never leaves a row pointing to a missing or partial file.
    With check=True (and no validation_report given) an OIFITS file is judged by
    `archive.oifits_checks.check_oifits` and the report is kept on the version.
    """
    if (source_path is None) == (content is None):
        raise ValueError("give exactly one of source_path or content")
    suffix = "".join(Path(filename).suffixes) or ".dat"
    key = key or product_key(calib_level=calib_level, kind=kind, instrument=instrument, target_name=target.name,
                             night_date=night.date.isoformat() if night else None, setup=setup)
    if kind == "oifits" and calib_level in OIDB_LEVELS:
        stamped = _with_oidb_keywords(calib_level=calib_level, key=key, program=program, target=target,
                                      quality_flag=quality_flag, source_path=source_path, content=content)
        if stamped is not None:
            source_path, content = None, stamped
    rel, sha, size = store_file(Path(source_path), suffix) if source_path is not None else store_bytes(
        content, suffix)
    parameters = parameters or {}
    if check and validation_report is None and kind == "oifits":
        from archive.oifits_checks import check_oifits

        validation_report = {**check_oifits(absolute_path(rel)).as_dict(), "path": filename}
    with transaction.atomic():
        product, _ = Product.objects.select_for_update().get_or_create(
            key=key,
            defaults=dict(calib_level=calib_level, kind=kind, program=program, target=target, night=night,
                          observation=observation, instrument=instrument, setup=setup, t_min=t_min, t_max=t_max),
        )
        existing = product.versions.filter(sha256=sha, parameters=parameters).order_by("-number").first()
        if existing is not None:
            return existing, False
        number = (product.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                version = ProductVersion.objects.create(
                    product=product, number=number, sha256=sha, size=size, path=rel, filename=filename,
                    processing=processing, processed_by=processed_by, software=software, parameters=parameters,
                    provenance=provenance or {}, quality_flag=quality_flag,
                    validation_report=validation_report or {},
                )
        except IntegrityError:  # a concurrent writer took this number: theirs wins
            return product.versions.get(number=number), False
        version.inputs.set(list(inputs))
        version.calibrators.set(list(calibrators))
        updates = {"current_version": version}
        if t_min is not None:
            updates["t_min"] = t_min if product.t_min is None else min(product.t_min, t_min)
        if t_max is not None:
            updates["t_max"] = t_max if product.t_max is None else max(product.t_max, t_max)
        Product.objects.filter(pk=product.pk).update(**updates)
        product.refresh_from_db()
        if calib_level == 1 and kind == "oifits":  # every new L1 version: OiDB-beta when ARCHIVE_L1_PUSH_ENABLED
            version.product = product
            version_publish(version=version)
    return version, True
