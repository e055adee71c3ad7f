"""The demo tells one story: the same fact reads the same on every page (portal.story)."""
import re

import pytest

from django.urls import reverse
from django.utils import timezone

from demo import analysis as analysis_demo
from domain.site import night_date
from surveys.models import Night, Target
from surveys.progress import NOT_STARTED

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(demo):
    """The survey demo plus L2 and L3 products of the first targets (HD 1000 first), as in the full demo."""
    analysis_demo.load(max_targets=2)
    return demo


def test_target_with_l2_and_l3_is_not_not_started(client, survey):
    hd = Target.objects.get(name="HD 1000")
    assert hd.products.filter(calib_level=2).exists() and hd.products.filter(calib_level=3).exists()
    client.force_login(survey["pi_issp"])
    rows = {r["name"]: r for r in client.get(reverse("surveys:dashboard"), {"q": "HD 1000"}).context["page"]}
    assert rows["HD 1000"]["status"] != NOT_STARTED
    detail = client.get(reverse("surveys:target-detail", args=[hd.pk]))
    assert detail.context["goal_row"]["status"] == rows["HD 1000"]["status"]
    assert "Not observed yet" not in detail.content.decode()


def test_dashboard_percentage_is_goals_done_over_total(client, survey):
    client.force_login(survey["pi_issp"])
    html = client.get(reverse("surveys:dashboard")).content.decode()
    big = re.search(r'data-test="goals-done-pct">(\d+) %<', html).group(1)
    done, total = map(int, re.search(r'data-test="goals-done">(\d+) of (\d+)<', html).groups())
    assert total > 0 and int(big) == round(100 * done / total)
    assert "mean goal completion" in html


def test_nights_to_come_lose_no_hours(client, survey):
    today = night_date(timezone.now())
    page = client.get(reverse("surveys:night-list")).context["page"]
    assert len(page) > 20
    for night in page:
        if night.date >= today or night.status == Night.Status.SCHEDULED:
            assert night.outcome.hours_lost is None, (night.date, night.outcome)
            assert "lost" not in night.outcome.label
        if night.status == Night.Status.OBSERVED:
            assert night.outcome.label == "observed"
