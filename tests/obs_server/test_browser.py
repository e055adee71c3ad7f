"""The operators' page in Debian's Chromium: altitude plots drawn, priority and pause buttons work."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_queue_page(browser_login, live_server, page, demo, artifacts_dir):
    from obs_server import demo as obs_demo
    from obs_server.models import ObservingBlock

    obs_demo.load(per_program=4)
    browser_login("operator", "/ob/queue/")
    expect(page.locator("h1")).to_contain_text("OB queue")
    rows = page.locator("tr.obrow")
    expect(rows.first).to_be_visible()
    n = rows.count()
    assert n == ObservingBlock.objects.filter(night__isnull=True, program__code="issp").count()
    expect(page.locator(".altplot .main-svg").first).to_be_visible()
    assert page.locator(".altplot .main-svg").count() >= n
    page.screenshot(path=str(artifacts_dir / "obs_server-queue.png"), full_page=True)
    last = rows.nth(n - 1)
    ob_id = int(last.get_attribute("id").split("-")[1])
    last.locator(f"[data-test=up-{ob_id}]").click()
    expect(page.locator(f"#ob-{ob_id} td.prio")).to_contain_text("+1")
    page.click("[data-test=pause-issp]")
    expect(page.locator(".msg.success")).to_contain_text("Program issp paused")
    page.click("[data-test=pause-issp]")
    expect(page.locator(".msg.success")).to_contain_text("Program issp resumed")
    page.goto(f"{live_server.url}/ob/upload/")
    page.screenshot(path=str(artifacts_dir / "obs_server-upload.png"), full_page=True)
