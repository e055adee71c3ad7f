"""Real Chromium: an operator (not staff) re-runs L2 excluding a ticked calibrator; a PI's review superseded."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from django.contrib.auth import get_user_model

from archive.models import Product
from pipelines.calibration import services
from pipelines.models import PipelineRun
from surveys.models import Program, ProgramRole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _night_with_people(tmp_path):
    from tests.calibration.conftest import register_night

    night, _, _ = register_night(tmp_path)
    program = Program.objects.get()
    users = get_user_model().objects
    pi = users.create_user("pi_issp", password="issp-demo-2024", first_name="Pat", last_name="PI")
    ops = users.create_user("operator", password="issp-demo-2024")
    program.pi = pi
    program.save()
    ProgramRole.objects.create(user=ops, program=program, role="operator")
    return night, pi, ops


def test_operator_reruns_l2_excluding_a_calibrator_ticked_in_the_list(browser_login, page, live_server,
                                                                      artifacts_dir, tmp_path):
    night, _, ops = _night_with_people(tmp_path)
    assert not ops.is_staff
    date = night.date.isoformat()
    page.set_viewport_size({"width": 1440, "height": 1000})
    browser_login("operator", f"/nights/{date}/")
    page.click("#night-links #rerun-l2")
    expect(page.locator("#excluded-calibrators")).to_contain_text("HD_200003")
    labels = page.locator("#excluded-calibrators label").all_inner_texts()
    assert [x.strip() for x in labels] == ["HD_200001", "HD_200002", "HD_200003"]
    page.screenshot(path=str(artifacts_dir / "calibration-rerun-form.png"), full_page=True)
    page.get_by_label("HD_200002").check()
    page.fill("input[name=time_scale_h]", "1.5")
    page.click("#rerun-form button[type=submit]", timeout=240_000)  # tasks run in-process: the answer waits for them
    expect(page.locator(".msg.success")).to_contain_text("excluding HD_200002", timeout=240_000)
    expect(page.locator("#run-phase")).to_have_text("Completed", timeout=60_000)
    expect(page.locator("#run-excluded")).to_contain_text("HD_200002")
    expect(page.locator("#run-excluded")).to_contain_text("excluded by the operator")
    expect(page.locator("#run-facts")).to_contain_text("excluded calibrators HD_200002")
    expect(page.locator("#run-facts")).to_contain_text("manual by operator")
    page.screenshot(path=str(artifacts_dir / "calibration-rerun-report.png"), full_page=True)
    run = PipelineRun.objects.get(kind="l2")
    assert run.requested_by == ops and run.parameters["excluded_calibrators"] == ["HD_200002"]
    assert run.parameters["time_scale_h"] == 1.5
    assert all("HD_200002" not in s["calibrators"] and s["calibrators"] for s in run.report["science"])


def test_pi_validates_a_rerun_supersedes_the_review_and_the_desk_shows_it(browser_login, page, live_server,
                                                                          artifacts_dir, tmp_path):
    night, pi, ops = _night_with_people(tmp_path)
    services.calibration_runs_start(night=night)
    run = PipelineRun.objects.get(kind="l2")
    if run.phase != "completed":  # a broker is configured: this test is about the pages
        services.calibration_run_execute(run_id=run.pk)
    product = Product.objects.filter(calib_level=2).order_by("key").first()
    page.set_viewport_size({"width": 1440, "height": 1000})
    browser_login("pi_issp", "/desk/")
    expect(page.locator("#desk-awaiting")).to_contain_text(product.target.name)
    page.goto(f"{live_server.url}/archive/products/{product.pk}/")
    page.click("text=Review & validate")
    expect(page.locator("select[name=flag]")).to_have_value("")  # no default: the choice is explicit
    page.select_option("select[name=flag]", "4")
    page.fill("textarea[name=comment]", "TF stable over the night.")
    page.click("#review-form button[type=submit]")
    expect(page.locator(".msg.success")).to_contain_text("Validated: flag 4 (Science ready)")
    expect(page.locator("#review-superseded")).to_have_count(0)

    runs = services.calibration_runs_start(night=night, parameters={"excluded_calibrators": ["HD_200002"]},
                                           processing="manual", requested_by=ops)
    for r in runs:
        r.refresh_from_db()
        if r.phase != "completed":
            services.calibration_run_execute(run_id=r.pk)
    page.goto(f"{live_server.url}/desk/")
    superseded = page.locator("#desk-superseded")
    expect(superseded).to_contain_text(product.target.name)
    expect(superseded).to_contain_text("by operator")
    page.screenshot(path=str(artifacts_dir / "desk-pi-superseded.png"), full_page=True)
    superseded.locator("a", has_text="what changed").first.click()
    box = page.locator("#review-superseded")
    expect(box).to_contain_text("4 · Science ready")
    expect(box).to_contain_text("excluded calibrators: none → HD_200002")
    expect(box).to_contain_text("processing: automatic → manual by operator")
    page.screenshot(path=str(artifacts_dir / "archive-review-superseded.png"), full_page=True)
