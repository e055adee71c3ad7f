"""Real Chromium: clicking a column header sorts the table (HD-style numbers numerically), clicking again reverses."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from obs_server.models import ObservingBlock
from tests.surveys.test_desk import live  # noqa: F401 - the fixture: a semester around today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_sorts_failed_obs_by_clicking_the_header(browser_login, page, live_server, live):  # noqa: F811
    past = live["nights"]["past"]
    for name in ("OB-10", "OB-9", "OB-100"):
        ObservingBlock.objects.create(program=past.allocations.first().program, target=None, night=past, name=name,
                                      instrument="SPICA", mode="MR720", payload={}, content_hash=name,
                                      state="failed")
    page.set_viewport_size({"width": 1440, "height": 900})
    browser_login("operator", "")
    page.wait_for_url(f"{live_server.url}/desk/")

    def names() -> list[str]:
        cells = page.locator("#desk-failed-obs tbody tr td:first-child").all_inner_texts()
        return [c.strip() for c in cells if c.strip()[3:].isdigit()]

    header = page.locator("#desk-failed-obs thead th", has_text="OB")
    header.locator("a").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert names() == ["OB-9", "OB-10", "OB-100"]
    page.locator("#desk-failed-obs thead th", has_text="OB").locator("a").click()
    expect(page.locator("#desk-failed-obs thead th", has_text="OB")).to_have_attribute("aria-sort", "descending")
    assert names() == ["OB-100", "OB-10", "OB-9"]
    assert "fsort=-ob" in page.url
    # The other tables of the desk keep their own order (their own parameter).
    expect(page.locator("#desk-past thead th", has_text="Night")).to_have_attribute("aria-sort", "descending")
