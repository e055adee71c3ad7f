"""Read side of pipelines/: runs, raw files, L0 records and L1 outputs (used by pages and other apps)."""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet

from pipelines.models import L0Record, PipelineRun, RawFile, ReductionOutput


def run_list(*, kind: str | None = None) -> QuerySet[PipelineRun]:
    runs = PipelineRun.objects.select_related("night")
    return runs.filter(kind=kind) if kind else runs


def raw_files_for_night(*, night, visible: Q | None = None) -> QuerySet[RawFile]:
    """Raw files of a night (only those matching the caller's policy filter `visible`, when given)."""
    return (RawFile.objects.filter(visible or Q(), night=night).select_related("l0", "observation")
            .prefetch_related("reduction_outputs__product_version").order_by("l0__mjd_start", "pk"))


def night_consolidation_issues(*, night, visible: Q | None = None) -> list[dict]:
    """Per raw file of the night: what was missing, derived or inconsistent (for the night page)."""
    rows = []
    for raw in raw_files_for_night(night=night, visible=visible):
        rep = raw.consolidation_report or {}
        if rep.get("missing") or rep.get("inconsistent") or rep.get("derived"):
            rows.append({"raw_file": raw, "missing": rep.get("missing", []), "derived": rep.get("derived", []),
                         "inconsistent": rep.get("inconsistent", [])})
    return rows


def l0_records_for_night(*, night) -> QuerySet[L0Record]:
    return L0Record.objects.filter(raw_file__night=night).select_related("raw_file").order_by("mjd_start")


def l1_outputs_for_night(*, night, registered_only: bool = True) -> QuerySet[ReductionOutput]:
    """L1 outputs of a night with their role (SCIENCE / CALIBRATION), object and product version."""
    qs = ReductionOutput.objects.filter(raw_file__night=night).select_related("product_version__product", "raw_file")
    return qs.filter(product_version__isnull=False) if registered_only else qs


def quarantined_files() -> QuerySet[RawFile]:
    return RawFile.objects.filter(status=RawFile.Status.QUARANTINED)


def l0_records_updated(*, instrument: str = "", since=None, until=None) -> QuerySet[L0Record]:
    """L0 records changed in [since, until] (whole seconds, both ends included), oldest change first."""
    qs = L0Record.objects.select_related("raw_file").order_by("updated", "pk")
    if instrument:
        qs = qs.filter(instrument__iexact=instrument)
    if since is not None:
        qs = qs.filter(updated__gte=since.replace(microsecond=0))
    if until is not None:
        qs = qs.filter(updated__lt=until.replace(microsecond=0) + timedelta(seconds=1))
    return qs


def runs_failed_since(*, since, program_ids: set[int] | None = None, limit: int = 20) -> list[PipelineRun]:
    """Failed runs since a moment, latest first; with `program_ids`, only runs of those programs' nights."""
    qs = PipelineRun.objects.filter(phase=PipelineRun.Phase.FAILED, created__gte=since).select_related("night")
    if program_ids is not None:
        qs = qs.filter(Q(night__allocations__program_id__in=program_ids)
                       | Q(night__products__program_id__in=program_ids)).distinct()
    return list(qs.order_by("-created")[:limit])


def raw_files_quarantined(*, night, visible: Q) -> QuerySet[RawFile]:
    """The night's quarantined raw files among those `visible` (a policy Q on observation__program/target)."""
    return RawFile.objects.filter(visible, night=night, status=RawFile.Status.QUARANTINED)
