"""The plan page on a night with enough observable targets: filled share, why each best candidate is left
out, no resolved calibrator, twilight and calibrator blocks on the timeline."""
from __future__ import annotations

import html

import numpy as np
import pytest

from django.urls import reverse

from planner import pairing

pytestmark = pytest.mark.django_db

RESOLVED_MAS, SMALL_MAS = 0.45, 0.10  # V² at S1-E1 in R: 0.03 and 0.88


@pytest.fixture
def crowded_plan(split_night, demo):
    """60 more ISSP targets up in the first half of 2024-09-10 (RA 17 h to 2 h), each with a small calibrator
    1.5° away and a resolved one 0.3° away that matches it better in every other way."""
    from planner import services
    from surveys.models import Calibrator, Program, SurveyGoal, Target

    issp = Program.objects.get(code="issp")
    rng = np.random.default_rng(11)
    for k in range(60):
        ra, dec, mag = (255.0 + 135.0 * k / 60) % 360, float(rng.uniform(10, 60)), float(rng.uniform(3, 6))
        t = Target.objects.create(name=f"Crowd {k}", ra_deg=ra, dec_deg=dec, mag_r=mag, mag_h=mag - 1,
                                  priority=int(rng.integers(1, 4)))
        t.programs.add(issp)
        SurveyGoal.objects.create(target=t, program=issp, instrument="SPICA", required_observations=2)
        Calibrator.objects.create(name=f"Small {k}", ra_deg=ra, dec_deg=dec + 1.5, mag_r=mag + 0.3,
                                  mag_h=mag - 0.7, udd_r=SMALL_MAS, e_udd_r=0.005)
        Calibrator.objects.create(name=f"Resolved {k}", ra_deg=ra, dec_deg=dec + 0.3, mag_r=mag, mag_h=mag - 1,
                                  udd_r=RESOLVED_MAS, e_udd_r=0.005)
    return services.plan_create(night=split_night, program=issp, instrument="SPICA", mode="MR720",
                                user=demo["pi_issp"])


def test_the_share_is_filled_and_the_page_says_why_each_best_candidate_is_left_out(client, demo, crowded_plan):
    plan = crowded_plan
    items = list(plan.items.select_related("calibrator", "calibrator_2"))
    used = sum((i.end - i.start).total_seconds() for i in items)
    fill = used / (plan.share_end - plan.share_start).total_seconds()
    assert fill >= 0.70, f"{fill:.0%} of the share planned"
    client.force_login(demo["pi_issp"])
    page = client.get(reverse("planning:plan-detail", args=[plan.pk]))
    text = page.content.decode()
    assert f'<span id="fill-percent">{round(fill * 100)}</span> % of the share' in text
    left = page.context["left_out"]
    assert len(left) >= 10
    for row in left:
        assert f'<td class="why">{html.escape(row["reason"])}</td>' in text
    reasons = " ".join(r["reason"] for r in left)
    assert "night share used" in reasons or "conflicts with planned blocks" in reasons
    assert ("Calibrators with V² &lt; 0.50 at the longest baseline (S1-E1, 331 m) in R (0.70 µm) are never "
            "chosen: at that limit a 10 % diameter error already moves the calibrated V² by 15 %.") in text


def test_a_resolved_calibrator_is_never_chosen_on_the_night(crowded_plan):
    items = list(crowded_plan.items.select_related("calibrator", "calibrator_2"))
    chosen = [c for i in items for c in (i.calibrator, i.calibrator_2) if c is not None]
    assert chosen and not [c.name for c in chosen if c.name.startswith("Resolved")]
    v2 = pairing.calibrator_v2(np.array([c.udd_r for c in chosen]), pairing.LONGEST_BASELINE_M, 0.70)
    assert (v2 >= 0.5).all()
    assert any(c.name.startswith("Small") for c in chosen)


def test_the_strip_draws_twilight_and_each_blocks_cal_sci_cal(client, demo, crowded_plan):
    client.force_login(demo["pi_issp"])
    text = client.get(reverse("planning:plan-detail", args=[crowded_plan.pk])).content.decode()
    n = crowded_plan.items.count()
    assert text.count('class="block cal"') == 2 * n and text.count('class="block sci"') == n
    assert text.count('class="twilight nautical"') == 2 and text.count('class="twilight astronomical"') == 2
