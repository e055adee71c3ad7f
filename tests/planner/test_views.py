"""Planner pages: permissions, form errors (4xx), edits, export zip, send."""
from __future__ import annotations

import io
import zipfile

import pytest

from django.urls import reverse

from planner.models import NightPlan
from surveys.models import Program
from tests.planner.conftest import DEMO_V2, WIDE

pytestmark = pytest.mark.django_db


def form_data(night, program, **extra):
    data = {"night": night.pk, "program": program.pk, "instrument": "SPICA", "mode": "MR720",
            "max_calibrator_distance_deg": WIDE, "min_calibrator_v2": DEMO_V2}
    data.update(extra)
    return data


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("planning:planner"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_planner_form_creates_a_plan_and_shows_it(client, demo, split_night):
    client.force_login(demo["pi_issp"])
    page = client.get(reverse("planning:planner"))
    assert page.status_code == 200 and b"Plan the night" in page.content
    response = client.post(reverse("planning:planner"), form_data(split_night, Program.objects.get(code="issp")))
    plan = NightPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("planning:plan-detail", args=[plan.pk])
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert detail.status_code == 200
    assert 'id="timeline"' in html and "js/plotly.min.js" in html
    first = plan.items.order_by("position").first()
    assert first.target.name in html and first.calibrator.name in html and "° away" in html
    assert "need" in html.lower() and "Brightness" in html


@pytest.mark.parametrize("extra,field", [({"mode": "Low_K"}, "mode"), ({"fraction": "2"}, "fraction"),
                                         ({"min_altitude_deg": "5"}, "min_altitude_deg")])
def test_bad_requests_get_field_errors(client, demo, split_night, extra, field):
    client.force_login(demo["pi_issp"])
    response = client.post(reverse("planning:planner"),
                           form_data(split_night, Program.objects.get(code="issp"), **extra))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not NightPlan.objects.exists()


def test_a_program_the_user_cannot_plan_is_not_offered(client, demo, split_night):
    client.force_login(demo["pi_ext"])
    response = client.post(reverse("planning:planner"), form_data(split_night, Program.objects.get(code="issp")))
    assert response.status_code == 400 and "program" in response.context["form"].errors


def test_plan_pages_are_for_program_members_only(client, demo, issp_plan):
    client.force_login(demo["pi_ext"])
    assert client.get(reverse("planning:plan-detail", args=[issp_plan.pk])).status_code == 403
    assert client.get(reverse("planning:plan-export", args=[issp_plan.pk])).status_code == 403
    client.force_login(demo["coi_issp"])  # a member sees it but cannot edit
    page = client.get(reverse("planning:plan-detail", args=[issp_plan.pk]))
    assert page.status_code == 200 and b"Send to queue" not in page.content
    assert client.post(reverse("planning:plan-edit", args=[issp_plan.pk]),
                       {"action": "drop", "position": 0}).status_code == 403


def test_edit_actions_and_their_errors(client, demo, issp_plan):
    client.force_login(demo["pi_issp"])
    url = reverse("planning:plan-edit", args=[issp_plan.pk])
    n = issp_plan.items.count()
    assert client.post(url, {"action": "drop", "position": 0}).status_code == 302
    assert issp_plan.items.count() == n - 1
    bad = client.post(url, {"action": "drop"})
    assert bad.status_code == 400 and "position" in bad.context["error"]
    assert client.post(url, {"action": "explode", "position": 0}).status_code == 400
    other = Program.objects.get(code="ext-spica-binaries").goals.first().target
    refused = client.post(url, {"action": "add", "target": other.pk})
    assert refused.status_code == 400 and "no incomplete SPICA goal in issp" in refused.content.decode()


def test_export_is_a_zip_of_one_obxml_per_science_target(client, demo, issp_plan):
    client.force_login(demo["coi_issp"])
    response = client.get(reverse("planning:plan-export", args=[issp_plan.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len(names) == issp_plan.items.count() and all(n.endswith(".obxml") for n in names)
    first = issp_plan.items.order_by("position").first().target.name.replace(" ", "")
    assert any(first in n for n in names)


def test_send_to_queue(client, demo, issp_plan):
    client.force_login(demo["operator"])
    response = client.post(reverse("planning:plan-send", args=[issp_plan.pk]))
    assert response.status_code == 302
    issp_plan.refresh_from_db()
    assert issp_plan.status == "sent" and all(i.ob_id for i in issp_plan.items.all())
    again = client.post(reverse("planning:plan-send", args=[issp_plan.pk]))
    assert again.status_code == 409


def test_candidates_show_the_expected_snr_from_the_noise_model(client, demo, split_night):
    from demo import performance as perf_demo
    from pipelines.performance.models import SnrSample
    from pipelines.performance.selectors import expected_snr
    from surveys.models import Target

    client.force_login(demo["pi_issp"])
    client.post(reverse("planning:planner"), form_data(split_night, Program.objects.get(code="issp")))
    plan = NightPlan.objects.get()
    first = plan.candidates[0]
    without = client.get(reverse("planning:plan-detail", args=[plan.pk])).context["candidates"][0]
    assert "expected_snr" not in without  # no noise model fitted yet: nothing invented
    SnrSample.objects.bulk_create(perf_demo.synthetic_history(n=200))
    row = client.get(reverse("planning:plan-detail", args=[plan.pk])).context["candidates"][0]
    mag_r = Target.objects.get(pk=first["target_id"]).mag_r
    assert row["expected_snr"] == pytest.approx(expected_snr(instrument="SPICA", mode="MR720", mag=mag_r))
    assert row["expected_snr"] > 0
