"""One night rule (domain.site.night_date) for the demo's "tonight", the desk and the planner's next night."""
from __future__ import annotations

import datetime as dt

import pytest

from django.utils import timezone

from demo import survey as survey_demo
from domain.site import night_date
from planner.selectors import next_scheduled_night
from portal.desk import desk_for
from surveys.models import Night

pytestmark = pytest.mark.django_db
# 03:00 UTC on 5 December is 19:00 on 4 December at CHARA: the UTC date is already the next day.
EVENING = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)


def test_demo_tonight_desk_and_planner_agree_when_the_utc_date_has_turned(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: EVENING)
    survey_demo.load(n_targets=12, n_calibrators=8)
    tonight = night_date(EVENING)
    assert tonight == dt.date(2026, 12, 4) != EVENING.date()
    night = Night.objects.get(date=tonight)  # the demo puts a scheduled night on tonight
    assert night.status == Night.Status.SCHEDULED
    Night.objects.get_or_create(date=EVENING.date(), defaults={"status": Night.Status.SCHEDULED})
    assert next_scheduled_night() == night  # not the UTC date's night
    from django.contrib.auth import get_user_model

    assert desk_for(user=get_user_model().objects.get(username="operator"), now=EVENING).tonight == night
