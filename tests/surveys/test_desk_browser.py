"""Real Chromium: each demo role logs in and lands on its desk, at 1440 px and on a 390 px phone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.surveys.test_desk import live  # noqa: F401 - the fixture: a semester around today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BLOCKS = {"pi_issp": ["#desk-awaiting"], "datamanager": ["#desk-awaiting", "#desk-suspects"],
          "operator": ["#desk-failed-obs", "#desk-failed-runs", "#desk-suspects"], "coi_issp": [],
          "admin": ["#desk-awaiting", "#desk-failed-obs", "#desk-suspects"]}


@pytest.mark.parametrize("username", list(BLOCKS))
def test_each_role_lands_on_its_desk(browser_login, page, live_server, artifacts_dir, live, username):  # noqa: F811
    page.set_viewport_size({"width": 1440, "height": 900})
    browser_login(username, "")
    page.wait_for_url(f"{live_server.url}/desk/")
    expect(page.locator("#desk-tonight")).to_contain_text(live["today"].isoformat())
    expect(page.locator("#desk-past")).to_contain_text("observed", ignore_case=True)
    for block in BLOCKS[username]:
        expect(page.locator(block)).to_be_visible()
    if username == "coi_issp":
        expect(page.locator("#desk-failed-obs")).to_have_count(0)
        expect(page.locator("#desk-awaiting")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / f"desk-{username}-1440.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("() => document.querySelector('main').scrollWidth")
    assert width <= 390, f"the desk content is {width} px wide on a 390 px phone"
    page.screenshot(path=str(artifacts_dir / f"desk-{username}-390.png"), full_page=True)
