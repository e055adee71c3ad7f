"""The demo: 25 ISSP + 12 external nights around today, progress, and loading twice changes nothing."""
import datetime as dt

import pytest

from demo import survey as survey_demo
from surveys.models import Night, NightAllocation, Observation, Semester, Target

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple:
    return (Night.objects.count(), Target.objects.count(), Observation.objects.count(),
            sorted(Night.objects.values_list("status", flat=True)),
            Observation.objects.filter(status="executed").count())


def test_demo_is_believable_and_idempotent():
    survey_demo.load(n_targets=30, n_calibrators=20)
    assert NightAllocation.objects.filter(program__code="issp").count() == 25
    assert NightAllocation.objects.exclude(program__code="issp").count() == 12
    assert Night.objects.filter(status="partial").count() == 3
    assert Night.objects.filter(status="partial").exclude(weather_notes="").count() == 3
    assert Observation.objects.filter(status__in=["failed", "aborted"]).exclude(comment="").exists()
    assert Target.objects.exclude(notes="").count() == 5
    first = _snapshot()
    survey_demo.load(n_targets=30, n_calibrators=20)
    assert _snapshot() == first


def test_demo_lives_in_the_present():
    """Nights before and after today with tonight among them, in the current semester; no future loss."""
    today = dt.date(2026, 12, 1)
    survey_demo.load(n_targets=30, n_calibrators=20, today=today)
    past, ahead = Night.objects.filter(date__lt=today), Night.objects.filter(date__gte=today)
    assert past.count() >= 20 and ahead.count() >= 10
    tonight = Night.objects.get(date=today)
    assert tonight.status == "scheduled" and tonight.allocations.exists() and tonight.semester.code == "2026B"
    assert Semester.objects.get(code="2026B").start == dt.date(2026, 8, 1)
    assert not past.filter(status="scheduled").exists()
    assert set(ahead.values_list("status", flat=True)) == {"scheduled"}
    assert not ahead.exclude(hours_lost=0).exists() and not ahead.exclude(weather_notes="").exists()
    assert Observation.objects.filter(night__date__gte=today).count() == 0
    assert Observation.objects.filter(night__date__lt=today, status="executed").count() > 20
