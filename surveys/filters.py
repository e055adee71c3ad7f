"""django-filter sets of the survey pages (status and completion are applied after computation)."""
from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet, TextField, Value
from django.db.models.functions import Replace, Upper

from surveys.models import Calibrator, Program, SurveyGoal, Target
from surveys.naming import name_key
from surveys.progress import STATUSES

SORTS = [
    ("name", "Name"), ("-completion", "Completion (high first)"), ("completion", "Completion (low first)"),
    ("ra_deg", "RA"), ("mag_v", "V magnitude"), ("priority", "PI priority"), ("-last_obs", "Last observed"),
]
# Column headers sort on any of these keys, both ways (not offered in the select).
HEADER_SORTS = {"name": "Name", "ra_deg": "RA", "dec_deg": "Dec", "mag_v": "V magnitude",
                "spectral_type": "Spectral type", "priority": "PI priority", "completion": "Completion",
                "status": "Status", "n_obs": "Observations", "last_obs": "Last observed"}
SORT_CHOICES = SORTS + [(k, label) for k, label in HEADER_SORTS.items() if k not in dict(SORTS)] + [
    (f"-{k}", f"{label} (reversed)") for k, label in HEADER_SORTS.items() if f"-{k}" not in dict(SORTS)]


def _squashed(field: str):
    text = TextField()
    return Replace(Replace(Upper(field, output_field=text), Value(" "), Value(""), output_field=text),
                   Value("_"), Value(""), output_field=text)


def star_search(queryset: QuerySet, value: str) -> QuerySet:
    """Names and other names, blind to case, spaces and underscores: HD219080 = "HD 219080" = "hd 219080"."""
    key = name_key(value)
    if not key:
        return queryset
    return queryset.annotate(_name_key=_squashed("name"), _ids_key=_squashed("identifiers")).filter(
        Q(_name_key__contains=key) | Q(_ids_key__contains=key) | Q(name__icontains=value.strip()))


class TargetStatusFilter(django_filters.FilterSet):
    """The dashboard's target table: search, program, instrument, status, priority, sorting."""

    q = django_filters.CharFilter(method="search", label="Search")
    program = django_filters.ModelChoiceFilter(queryset=Program.objects.none(), method="by_program",
                                               to_field_name="code", label="Program")
    instrument = django_filters.ChoiceFilter(choices=[], method="by_instrument", label="Instrument")
    status = django_filters.ChoiceFilter(choices=[(s, s.capitalize()) for s in STATUSES], method="keep",
                                         label="Status")
    priority = django_filters.NumberFilter(field_name="priority", label="PI priority")
    mag_v_max = django_filters.NumberFilter(field_name="mag_v", lookup_expr="lte", label="V brighter than")
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, method="keep", label="Sort", empty_label="Name")

    class Meta:
        model = Target
        fields: list[str] = []

    def __init__(self, *args, programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.programs = programs if programs is not None else Program.objects.none()
        self.filters["program"].queryset = self.programs
        instruments = sorted({i for p in self.programs for i in (p.instruments or [])})
        self.filters["instrument"].extra["choices"] = [(i, i) for i in instruments]

    def search(self, queryset, name, value):
        return star_search(queryset, value)

    def by_program(self, queryset, name, value):
        return queryset.filter(pk__in=SurveyGoal.objects.filter(program=value).values("target"))

    def by_instrument(self, queryset, name, value):
        return queryset.filter(pk__in=SurveyGoal.objects.filter(instrument=value).values("target"))

    def keep(self, queryset, name, value):
        """Applied by the view once completion is computed."""
        return queryset


class CalibratorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    flagged = django_filters.ChoiceFilter(
        choices=[("yes", "Flagged"), ("no", "Not flagged")], method="by_flag", label="Flags")
    mag_v_max = django_filters.NumberFilter(field_name="mag_v", lookup_expr="lte", label="V brighter than")

    class Meta:
        model = Calibrator
        fields: list[str] = []

    def search(self, queryset, name, value):
        return star_search(queryset, value)

    def by_flag(self, queryset, name, value):
        flagged = Q(flags__active=True)
        ids = Calibrator.objects.filter(flagged).values("pk")
        return queryset.filter(pk__in=ids) if value == "yes" else queryset.exclude(pk__in=ids)


class TargetListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    program = django_filters.ModelChoiceFilter(queryset=Program.objects.all(), field_name="programs",
                                               to_field_name="code", label="Program")
    mag_v_max = django_filters.NumberFilter(field_name="mag_v", lookup_expr="lte", label="V brighter than")

    class Meta:
        model = Target
        fields: list[str] = []

    def search(self, queryset, name, value):
        return star_search(queryset, value)
