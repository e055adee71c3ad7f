"""Read side of L2 calibration: L1 inputs of a night, calibrators, runs."""
from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from archive.models import Product, ProductVersion
from archive.storage import archive_root
from obs_server.models import ObservingBlock
from pipelines.models import PipelineRun
from surveys.models import Calibrator, CalibratorFlag, Night, ProgramRole
from surveys.selectors import viewer_for, visible_rows_q

EXCLUDING_FLAGS = (CalibratorFlag.Kind.BE_STAR, CalibratorFlag.Kind.BADCAL, CalibratorFlag.Kind.BAD_BINARY,
                   CalibratorFlag.Kind.SUSPECT)


def l1_versions_for_night(*, night: Night) -> list[ProductVersion]:
    """Current versions of the night's L1 OIFITS products."""
    products = Product.objects.filter(calib_level=1, night=night, kind="oifits", current_version__isnull=False)
    return list(ProductVersion.objects.filter(pk__in=products.values("current_version"))
                .select_related("product", "product__target", "product__program", "product__observation",
                                "product__observation__ob"))


def l1_nights_of_targets(*, targets) -> list[tuple[Night, int]]:
    """(night, target id) of every L1 product of these targets that has a night."""
    return [(p.night, p.target_id) for p in Product.objects.filter(
        calib_level=1, target__in=targets, night__isnull=False).select_related("night")]


def version_path(version: ProductVersion):
    return archive_root() / version.path


def calibrators_observed(*, night: Night) -> list[str]:
    """Calibrator names of the night's current L1 files, as their headers spell them (what the run matches)."""
    from pipelines.calibration.oifits_io import CALIBRATION, L1ReadError, read_l1_identity

    names = set()
    for version in l1_versions_for_night(night=night):
        try:
            role, target = read_l1_identity(version_path(version))
        except (L1ReadError, OSError, KeyError):
            continue
        if role == CALIBRATION:
            names.add(target)
    return sorted(names)


def night_program_ids(*, night: Night) -> set[int]:
    """Programs a night belongs to: its allocations and the programs of its products."""
    ids = set(night.allocations.values_list("program_id", flat=True))
    return ids | set(Product.objects.filter(night=night).values_list("program_id", flat=True).distinct())


RERUN_ROLES = (ProgramRole.Role.OPERATOR, ProgramRole.Role.DATA_MANAGER)


def can_rerun_l2(*, user, night: Night) -> bool:
    """Staff, and the operators and data managers of a program of the night, re-run its L2 calibration."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return ProgramRole.objects.filter(user=user, role__in=RERUN_ROLES,
                                      program_id__in=night_program_ids(night=night)).exists()


def _name_variants(name: str) -> set[str]:
    base = re.sub(r"[\s_]+", " ", name.strip())
    return {name.strip(), base, base.replace(" ", "_"), base.replace(" ", "")}


def calibrator_by_name(name: str) -> Calibrator | None:
    """The catalog calibrator a header name refers to (HD_123 / HD 123 / HD123, or an identifier)."""
    variants = _name_variants(name)
    query = Q()
    for v in variants:
        query |= Q(name__iexact=v)
    found = Calibrator.objects.filter(query).first()
    if found:
        return found
    for v in variants:
        for cal in Calibrator.objects.filter(identifiers__icontains=v)[:5]:
            ids = {re.sub(r"[\s_]+", " ", i.strip()).lower() for i in cal.identifiers.split(",")}
            if re.sub(r"[\s_]+", " ", v).lower() in ids:
                return cal
    return None


def active_flags(*, calibrator: Calibrator, night=None) -> list[CalibratorFlag]:
    """Flags that exclude the star (on `night`): confirmed ones everywhere, a proposal only on its own night."""
    here = Q(state=CalibratorFlag.State.CONFIRMED)
    if night is not None:
        here |= Q(state=CalibratorFlag.State.PROPOSED, night=night)
    return list(calibrator.flags.filter(here, active=True, kind__in=EXCLUDING_FLAGS))


def ob_diameter(*, name: str, version: ProductVersion | None, night: Night) -> float | None:
    """DIAMETER (mas) of a calibrator in the OB that observed it (the L1's observation, else the night's OBs)."""
    obs = []
    observation = version.product.observation if version else None
    if observation is not None and observation.ob_id:
        obs.append(observation.ob)
    obs += list(ObservingBlock.objects.filter(Q(night=night) | Q(observations__night=night)).distinct()[:200])
    wanted = {v.lower() for v in _name_variants(name)}
    for ob in obs:
        configs = (ob.payload or {}).get("observationConfiguration") or []
        for cfg in configs if isinstance(configs, list) else [configs]:
            target = (cfg or {}).get("SCTarget") or {}
            if str(target.get("name", "")).strip().lower() in wanted:
                try:
                    value = float(target.get("DIAMETER"))
                except (TypeError, ValueError):
                    continue
                if value > 0:
                    return value
    return None


def calibration_runs() -> QuerySet[PipelineRun]:
    return PipelineRun.objects.filter(kind=PipelineRun.Kind.L2).select_related("night", "requested_by")


def calibration_runs_visible_to(*, user) -> QuerySet[PipelineRun]:
    """Staff see every run. Others see a run that made L2 products of data they may list (their
    programs, live delegations), or one that made none yet on a night shared with their program:
    on a split night, the other program's run stays hidden."""
    runs = calibration_runs()
    viewer = viewer_for(user)
    if viewer.staff:
        return runs
    l2 = ProductVersion.objects.filter(product__calib_level=2, provenance__has_key="run")
    mine = l2.filter(visible_rows_q(user=user, program="product__program", target="product__target"))
    producing = {str(r) for r in l2.values_list("provenance__run", flat=True)}
    readable = {str(r) for r in mine.values_list("provenance__run", flat=True)}
    ids = viewer.program_ids
    idle = runs.filter(Q(night__allocations__program_id__in=ids) | Q(night__products__program_id__in=ids)
                       ).exclude(pk__in=producing)
    return runs.filter(Q(pk__in=readable) | Q(pk__in=idle.values("pk"))).distinct()


def science_visible_to(*, user, run: PipelineRun) -> tuple[list[dict], bool]:
    """The run's science rows `user` may list, and whether that is all of them (else the TF plot,
    which names every science star, is not shown)."""
    science = (run.report or {}).get("science", [])
    if viewer_for(user).staff:
        return science, True
    ids = set(ProductVersion.objects.filter(
        visible_rows_q(user=user, program="product__program", target="product__target"),
        pk__in=[s.get("version_id") for s in science]).values_list("pk", flat=True))
    shown = [s for s in science if s.get("version_id") in ids]
    return shown, len(shown) == len(science)


def runs_for_night(*, night: Night) -> QuerySet[PipelineRun]:
    return calibration_runs().filter(night=night)


def l2_versions_of_run(*, run: PipelineRun) -> QuerySet[ProductVersion]:
    ids = [s.get("version_id") for s in (run.report or {}).get("science", []) if s.get("version_id")]
    return ProductVersion.objects.filter(pk__in=ids).select_related("product", "processed_by")


def run_science_rows(*, run: PipelineRun, user) -> list[dict]:
    """The run's L2 products (from its report) with their product id and whether this user may open them."""
    from archive.selectors import version_access

    rows = [dict(s) for s in (run.report or {}).get("science", [])]
    versions = ProductVersion.objects.filter(pk__in=[r.get("version_id") for r in rows]).select_related(
        "product", "product__program")
    by_id = {v.pk: v for v in versions}
    for row in rows:
        version = by_id.get(row.get("version_id"))
        row["product_id"] = version.product_id if version else None
        row["readable"] = bool(version and version_access(user=user, version=version))
    return rows


def calibrator_ids(*, names: list[str]) -> dict[str, int]:
    """Catalog pages of the calibrators a run names (header spellings resolved like the calibration does)."""
    out = {}
    for name in names:
        if name:
            cal = calibrator_by_name(name)
            if cal is not None:
                out[name] = cal.pk
    return out
