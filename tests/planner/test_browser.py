"""Plan a night in a real browser and look at the timeline (screenshot saved in test-artifacts/)."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_a_night_and_see_the_timeline(browser_login, live_server, page, demo, split_night, artifacts_dir):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1400, "height": 1000})
    browser_login("pi_issp", "/planner/")
    expect(page.locator("h1")).to_have_text("Night planner")
    page.select_option("select[name=night]", str(split_night.pk))
    page.select_option("select[name=program]", label="issp")
    page.select_option("select[name=instrument]", "SPICA")
    page.select_option("select[name=mode]", "MR720")
    page.fill("input[name=max_calibrator_distance_deg]", "40")
    page.click("#plan-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text(f"Night {split_night.date}")
    expect(page.locator("#timeline .main-svg").first).to_be_visible()
    rows = page.locator("#sequence tbody tr")
    assert rows.count() >= 2
    # The timeline draws one bold segment per block, named "1. <target>" in the legend.
    first = rows.first.locator("td").nth(2).inner_text()
    expect(page.locator("#timeline .legendtext").first).to_contain_text(f"1. {first}")
    page.screenshot(path=str(artifacts_dir / "planner-timeline.png"), full_page=False)
    # Drop the first block: the sequence shrinks and starts with what was second.
    second = rows.nth(1).locator("td").nth(2).inner_text()
    n = rows.count()
    rows.first.locator("button[value=drop]").click()
    expect(page.locator("#sequence tbody tr")).to_have_count(n - 1)
    expect(page.locator("#sequence tbody tr").first.locator("td").nth(2)).to_have_text(second)
    page.locator("#timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "planner-after-drop.png"), full_page=True)
