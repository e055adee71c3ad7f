"""Plan a night in a real browser and look at the timeline (screenshot saved in test-artifacts/):
what is drawn is counted (twilight bands, CAL and SCI parts of every block, bold segments), and no
Content-Security-Policy violation may occur."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_a_night_and_see_the_timeline(browser_login, live_server, page, demo, split_night, artifacts_dir):
    from playwright.sync_api import expect

    page.add_init_script("""window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || ''));
});""")
    page.set_viewport_size({"width": 1400, "height": 1000})
    browser_login("pi_issp", "/planner/")
    expect(page.locator("h1")).to_have_text("Night planner")
    page.select_option("select[name=night]", str(split_night.pk))
    page.select_option("select[name=program]", label="issp")
    page.select_option("select[name=instrument]", "SPICA")
    page.select_option("select[name=mode]", "MR720")
    page.fill("input[name=max_calibrator_distance_deg]", "40")
    page.fill("input[name=min_calibrator_v2]", "0.2")  # the demo catalogue's calibrators are large
    page.click("#plan-form button[type=submit]")
    # The first plan of a process reads astropy's IERS table (seconds on a loaded machine).
    expect(page.locator("h1")).to_contain_text(f"Night {split_night.date}", timeout=30_000)
    expect(page.locator("#timeline .main-svg").first).to_be_visible()
    rows = page.locator("#sequence tbody tr")
    assert rows.count() >= 2
    # The timeline draws one bold segment per block, named "1. <target>" in the legend.
    first = rows.first.locator("td").nth(2).inner_text()
    expect(page.locator("#timeline .legendtext").first).to_contain_text(f"1. {first}")
    n_blocks = rows.count()
    strip = page.locator("#sequence-strip")
    expect(strip).to_be_visible()
    assert strip.locator("rect.block.cal").count() == 2 * n_blocks
    assert strip.locator("rect.block.sci").count() == n_blocks
    assert strip.locator("rect.twilight.nautical").count() == 2
    assert strip.locator("rect.twilight.astronomical").count() == 2
    drawn = strip.locator("rect.block").evaluate_all("rs => rs.map(r => r.getBoundingClientRect().width)")
    assert len(drawn) == 3 * n_blocks and all(w > 1 for w in drawn)
    # Plotly: one faint curve and one bold block segment per target, plus the twilight and share shapes.
    assert page.locator("#timeline .scatterlayer .trace").count() == 2 * n_blocks
    assert page.locator("#timeline .shapelayer path").count() >= 6
    expect(page.locator("#left-out tbody tr").first).to_be_visible()
    assert all(t.strip() for t in page.locator("#left-out td.why").all_inner_texts())
    assert page.evaluate("window.__csp") == []
    page.screenshot(path=str(artifacts_dir / "planner-timeline.png"), full_page=False)
    # Drop the first block: the sequence shrinks and starts with what was second.
    second = rows.nth(1).locator("td").nth(2).inner_text()
    n = rows.count()
    rows.first.locator("button[value=drop]").click()
    expect(page.locator("#sequence tbody tr")).to_have_count(n - 1)
    expect(page.locator("#sequence tbody tr").first.locator("td").nth(2)).to_have_text(second)
    assert page.locator("#sequence-strip rect.block.cal").count() == 2 * (n - 1)
    assert page.locator("#timeline .scatterlayer .trace").count() == 2 * (n - 1)
    assert page.evaluate("window.__csp") == []
    page.locator("#timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "planner-after-drop.png"), full_page=True)
