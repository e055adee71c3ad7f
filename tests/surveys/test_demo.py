"""The demo 2024A: 25 ISSP + 12 external nights, progress, and loading twice changes nothing."""
import pytest

from surveys import demo
from surveys.models import Night, NightAllocation, Observation, Target

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple:
    return (Night.objects.count(), Target.objects.count(), Observation.objects.count(),
            sorted(Night.objects.values_list("status", flat=True)),
            Observation.objects.filter(status="executed").count())


def test_demo_is_believable_and_idempotent():
    demo.load(n_targets=30, n_calibrators=20)
    assert NightAllocation.objects.filter(program__code="issp").count() == 25
    assert NightAllocation.objects.exclude(program__code="issp").count() == 12
    assert Night.objects.filter(status="partial").count() == 3
    assert Night.objects.filter(status="partial").exclude(weather_notes="").count() == 3
    assert Observation.objects.filter(status__in=["failed", "aborted"]).exclude(comment="").exists()
    assert Target.objects.exclude(notes="").count() == 5
    first = _snapshot()
    demo.load(n_targets=30, n_calibrators=20)
    assert _snapshot() == first
