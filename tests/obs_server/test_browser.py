"""The operators' page in Debian's Chromium: altitude plots drawn, priority and pause buttons work."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_queue_page(browser_login, live_server, page, demo, artifacts_dir):
    from django.db.models import Q
    from django.utils import timezone

    from demo import ob_queue as obs_demo
    from domain.site import night_date
    from obs_server.models import ObservingBlock
    from obs_server.selectors import ACTIVE_STATES

    obs_demo.load(per_program=4)
    browser_login("operator", "/ob/queue/")
    expect(page.locator("h1")).to_contain_text("OB queue")
    rows = page.locator("tr.obrow")
    expect(rows.first).to_be_visible()
    n = rows.count()
    # tonight's queue: the active OBs for any night or for tonight, of the operator's programs (the demo
    # lives around today, so some OBs are queued for tonight itself)
    tonight = night_date(timezone.now())
    active = ObservingBlock.objects.filter(state__in=ACTIVE_STATES, program__roles__user__username="operator")
    assert n == active.filter(Q(night__isnull=True) | Q(night__date=tonight)).distinct().count() >= 2
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
