"""Read side of L3 analyses: current L2 inputs, stale targets, the diameters table."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from archive.models import Product, ProductVersion
from pipelines.analysis.models import CompanionResult, DiameterResult
from surveys.selectors import access_decision, programs_with_role

FITS_SUFFIXES = (".fits", ".oifits", ".fits.gz")
SORTS = {
    "target": "target__name", "instrument": "instrument", "ud": "ud_mas", "ud_err": "ud_err_formal",
    "ud_boot": "ud_err_boot", "ld": "ld_mas", "chi2": "ud_chi2", "n": "n_v2", "vk": "v_minus_k",
    "v": "target__mag_v", "cp": "cp_chi2", "flags": "flags", "fitted": "fitted_at",
    "comp_n": "comp_nsigma", "comp_sep": "comp_separation_mas", "comp_pa": "comp_position_angle_deg",
    "comp_f": "comp_flux_ratio_percent", "comp_lim5": "comp_limit5_5mas", "comp_lim20": "comp_limit5_20mas",
}
COMPANION_SORTS = {k for k in SORTS if k.startswith("comp_")}
COMPANION_FIELDS = ("detected", "nsigma", "separation_mas", "position_angle_deg", "flux_ratio_percent",
                    "limit5_5mas", "limit5_20mas", "t_max", "status")


@dataclass(frozen=True)
class L2Group:
    """The current L2 versions of one target for one (program, instrument): one fit."""

    program_id: int
    instrument: str
    version_ids: tuple[int, ...]
    t_max: float | None

    def fingerprint(self) -> str:
        """Changes when a current L2 version or a fit setting changes: then the target is refitted."""
        text = "|".join([str(self.program_id), self.instrument, ",".join(map(str, self.version_ids)),
                         fit_settings_signature()])
        return hashlib.sha256(text.encode()).hexdigest()


def fit_settings_signature() -> str:
    return f"law={settings_value('LD_LAW')};boot={settings_value('BOOTSTRAP')};cp={settings_value('CP_THRESHOLD')}"


def settings_value(name: str):
    defaults = {"LD_LAW": "power", "BOOTSTRAP": 100, "CP_THRESHOLD": 3.0, "CHUNK_SIZE": 25,
                "POOR_FIT_CHI2": 5.0}
    return getattr(settings, f"ANALYSIS_{name}", defaults[name])


def _l2_products(target_ids=None) -> QuerySet[Product]:
    qs = Product.objects.filter(calib_level=2, current_version__isnull=False)
    if target_ids is not None:
        qs = qs.filter(target_id__in=target_ids)
    suffix = Q()
    for s in FITS_SUFFIXES:
        suffix |= Q(current_version__filename__iendswith=s)
    return qs.filter(suffix)


def l2_groups(target_ids=None) -> dict[int, list[L2Group]]:
    """{target id: its L2 groups}, in one query."""
    rows = _l2_products(target_ids).values_list("target_id", "program_id", "instrument", "current_version_id",
                                                "t_max")
    grouped: dict[tuple[int, int, str], list] = defaultdict(list)
    for target_id, program_id, instrument, version_id, t_max in rows:
        grouped[(target_id, program_id, instrument)].append((version_id, t_max))
    out: dict[int, list[L2Group]] = defaultdict(list)
    for (target_id, program_id, instrument), items in sorted(grouped.items()):
        t_maxes = [t for _, t in items if t is not None]
        out[target_id].append(L2Group(program_id=program_id, instrument=instrument,
                                      version_ids=tuple(sorted(v for v, _ in items)),
                                      t_max=max(t_maxes) if t_maxes else None))
    return out


def program_of(group: L2Group):
    from surveys.models import Program

    return Program.objects.get(pk=group.program_id)


def target_or_none(target_id: int):
    from surveys.models import Target

    return Target.objects.filter(pk=target_id).first()


def l2_versions(group: L2Group) -> list[ProductVersion]:
    return list(ProductVersion.objects.filter(pk__in=group.version_ids).select_related("product"))


def targets_with_l2(program_ids=None) -> list[int]:
    qs = _l2_products()
    if program_ids is not None:
        qs = qs.filter(program_id__in=program_ids)
    return sorted(set(qs.values_list("target_id", flat=True)))


def stale_target_ids() -> list[int]:
    """Targets whose current L2 (or fit settings) changed since their last fit, or never fitted."""
    groups = l2_groups()
    done: dict[int, dict[tuple[int, str], str]] = defaultdict(dict)
    for t, p, i, fp in DiameterResult.objects.values_list("target_id", "program_id", "instrument",
                                                          "input_fingerprint"):
        done[t][(p, i)] = fp
    stale = {t for t in done if t not in groups}  # results whose L2 disappeared
    for target_id, target_groups in groups.items():
        current = {(g.program_id, g.instrument): g.fingerprint() for g in target_groups}
        if current != done.get(target_id, {}):
            stale.add(target_id)
    return sorted(stale)


def _companion_columns() -> dict:
    """The same group's companion screen, joined in as `comp_<field>` (one subquery per column)."""
    same = CompanionResult.objects.filter(target_id=OuterRef("target_id"), program_id=OuterRef("program_id"),
                                          instrument=OuterRef("instrument"))
    return {f"comp_{name}": Subquery(same.values(name)[:1]) for name in COMPANION_FIELDS}


def diameter_rows(*, q: str = "", instrument: str = "", program: str = "", flag: str = "", status: str = "",
                  companion: str = "", sort: str = "target", descending: bool = False) -> QuerySet[DiameterResult]:
    """The table's rows, filtered and sorted in the database, with everything a row shows joined in."""
    qs = DiameterResult.objects.select_related("target", "program", "version").annotate(
        v_minus_k=ExpressionWrapper(F("target__mag_v") - F("target__mag_k"), output_field=FloatField()),
        **_companion_columns())
    if companion == "detected":
        qs = qs.filter(comp_detected=True)
    elif companion == "none":
        qs = qs.filter(comp_detected=False)
    if q:
        qs = qs.filter(Q(target__name__icontains=q) | Q(target__identifiers__icontains=q))
    if instrument:
        qs = qs.filter(instrument=instrument)
    if program:
        qs = qs.filter(program__code=program)
    if flag == "none":
        qs = qs.filter(flags="")
    elif flag:
        qs = qs.filter(flags__contains=flag)
    if status:
        qs = qs.filter(status=status)
    field = SORTS.get(sort, "target__name")
    order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return qs.order_by(order, "target__name", "instrument")


# Sort keys on what anyone may see (the target's identity and photometry); every other key sorts a
# value that stays hidden while the row is proprietary.
PUBLIC_SORTS = {"target", "instrument", "v", "vk"}


def readable_result_ids(*, user, companion: bool = False) -> set[int]:
    """Ids of the diameter results `user` may read (the policy decides per row; one query). With
    `companion`, rows whose companion screen is readable too (its L2 may be newer than the diameter's)."""
    from surveys.models import Program

    months = dict(Program.objects.values_list("pk", "embargo_months"))
    if companion:
        rows = [(pk, p, t, max((x for x in (a, b) if x is not None), default=None))
                for pk, p, t, a, b in DiameterResult.objects.annotate(**_companion_columns()).values_list(
                    "pk", "program_id", "target_id", "t_max", "comp_t_max")]
    else:
        rows = DiameterResult.objects.values_list("pk", "program_id", "target_id", "t_max")
    return {pk for pk, program_id, target_id, t_max in rows
            if access_decision(user=user, program=program_id, target_id=target_id, t_max_mjd=t_max,
                               embargo_months=months.get(program_id))}


def policy_rows(*, user, q: str = "", instrument: str = "", program: str = "", flag: str = "", status: str = "",
                companion: str = "", sort: str = "target", descending: bool = False) -> QuerySet[DiameterResult]:
    """The table's rows for `user`: filters and sorts on hidden values see only the rows they may read.

    A flag, status or companion filter lists readable rows only; a sort on a hidden value orders the
    readable rows and puts the others after them by name, so no count or order depends on a hidden value.
    Companion columns are readable when both the diameter and the companion screen are.
    """
    hidden_sort = sort not in PUBLIC_SORTS
    if not (flag or status or companion or hidden_sort):
        return diameter_rows(q=q, instrument=instrument, program=program, sort=sort, descending=descending)
    readable = readable_result_ids(user=user, companion=bool(companion) or sort in COMPANION_SORTS)
    qs = diameter_rows(q=q, instrument=instrument, program=program, flag=flag, status=status, companion=companion)
    if flag or status or companion:
        qs = qs.filter(pk__in=readable)
    if not hidden_sort:
        field = SORTS.get(sort, "target__name")
        return qs.order_by(F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True),
                           "target__name", "instrument")
    if not readable:  # nothing readable: the name order alone (a constant NULL key is invalid SQL on PostgreSQL)
        return qs.order_by("target__name", "instrument")
    value = Case(When(pk__in=readable, then=F(SORTS[sort])), default=None)
    qs = qs.annotate(shown=Case(When(pk__in=readable, then=Value(0)), default=Value(1), output_field=IntegerField()))
    order = value.desc(nulls_last=True) if descending else value.asc(nulls_last=True)
    return qs.order_by("shown", order, "target__name", "instrument")


def rows_with_access(*, user, rows) -> list[tuple[DiameterResult, object]]:
    """(row, decision) pairs: the policy decides per row; the viewer is built once per request."""
    return [(r, access_decision(user=user, program=r.program, target_id=r.target_id, t_max_mjd=r.t_max))
            for r in rows]


def companions_shown(*, user, rows) -> dict[int, CompanionResult]:
    """{diameter row id: its group's companion screen} for the screens `user` may read (own embargo check)."""
    rows = list(rows)
    keys = {(r.target_id, r.program_id, r.instrument): r.pk for r in rows}
    if not keys:
        return {}
    found = CompanionResult.objects.filter(target_id__in={k[0] for k in keys}).select_related("program", "version")
    return {keys[(c.target_id, c.program_id, c.instrument)]: c for c in found
            if (c.target_id, c.program_id, c.instrument) in keys
            and access_decision(user=user, program=c.program, target_id=c.target_id, t_max_mjd=c.t_max)}


def readable_rows(*, user, rows) -> list[DiameterResult]:
    return [r for r, decision in rows_with_access(user=user, rows=rows) if decision]


def filter_choices() -> dict:
    return {
        "instruments": list(DiameterResult.objects.order_by().values_list("instrument", flat=True).distinct()),
        "programs": list(DiameterResult.objects.order_by().values_list("program__code", flat=True).distinct()),
    }


def runnable_program_ids(*, user) -> list[int] | None:
    """Programs whose targets the user may (re)fit: None = all (staff); [] = none."""
    if user is None or not user.is_authenticated:
        return []
    if user.is_staff:
        return None
    return list(programs_with_role(user=user, roles=("pi", "data_manager")).values_list("pk", flat=True))


def can_fit_target(*, user, program_id: int) -> bool:
    allowed = runnable_program_ids(user=user)
    return allowed is None or program_id in allowed
