"""Real Chromium: a PI's priority edit meets a concurrent catalog edit; staff read the sync status."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from surveys.jmmc.services import catalog_sync
from surveys.models import Target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
expect.set_options(timeout=20_000)


def test_conflict_then_informed_overwrite_and_status(browser_login, page, live_server, jmmc, people, artifacts_dir):
    catalog_sync()
    target = Target.objects.get(name="HD 219080")
    page.set_viewport_size({"width": 1200, "height": 900})
    browser_login("pi_issp", f"/jmmc/targets/{target.pk}/priority/")
    expect(page.locator("h1")).to_have_text("Priority of HD 219080")
    jmmc.update(1, {"priority_pi": 2})  # a co-PI edits the catalog meanwhile
    page.fill("input[name=priority]", "3")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#conflict")).to_be_visible()
    expect(page.locator("#conflict-remote")).to_have_text("2")
    expect(page.locator("#conflict-last-read")).to_have_text("1")
    expect(page.locator("#conflict-wanted")).to_have_text("3")
    page.screenshot(path=str(artifacts_dir / "jmmc-priority-conflict.png"), full_page=True)
    assert jmmc.get(1)["priority_pi"] == 2
    page.click("form.filters button[type=submit]")  # "Replace the catalog's value"
    expect(page.locator(".msg.success")).to_contain_text("is now 3")
    assert jmmc.get(1)["priority_pi"] == 3

    jmmc.update(3, {"name": "HD 10476 A"})
    jmmc.delete(4)
    catalog_sync()
    page.goto(f"{live_server.url}/accounts/logout/")
    page.click("button[type=submit]")
    browser_login("admin", "/jmmc/")
    expect(page.locator("h1")).to_contain_text("JMMC catalog")
    expect(page.locator("table.data").first).to_contain_text("HD 10476 A")
    page.screenshot(path=str(artifacts_dir / "jmmc-sync-status.png"), full_page=True)
