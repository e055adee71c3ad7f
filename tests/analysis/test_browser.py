"""Real Chromium: the diameters table, a target's V² plot with its fitted curves, the survey plots."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pipelines.analysis import demo as analysis_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
expect.set_options(timeout=20_000)


@pytest.fixture
def fitted(transactional_db, demo):
    return analysis_demo.load(max_targets=12)


def test_diameters_table_target_plot_and_survey_plots(browser_login, page, live_server, fitted, artifacts_dir):
    assert fitted["l3_fitted"] == 12
    page.set_viewport_size({"width": 1400, "height": 1000})
    browser_login("pi_issp", "/analysis/")
    expect(page.locator("h1")).to_have_text("Survey diameters (L3)")
    rows = page.locator("#diameters tbody tr")
    expect(rows).to_have_count(12)
    expect(page.locator("#diameters .badge.bad", has_text="not_single_disk").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "analysis-table.png"), full_page=True)

    page.click("#diameters th a:has-text('UD (mas)')")  # sort ascending by UD
    page.wait_for_url("**sort=ud**")
    values = [float(v) for v in page.locator("#diameters tbody td.num strong").all_inner_texts()]
    assert values == sorted(values)

    page.locator("#diameters tbody tr a").first.click()
    page.wait_for_selector(".plot .main-svg")
    expect(page.locator(".plot .legendtext", has_text="UD").first).to_be_visible()
    # Under the enforced CSP every V² value is drawn as an SVG point (WebGL traces needed eval and drew none).
    v2 = page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
        const t = gd._fullData.find(t => t.name === 'V² (L2)');
        return [t.type, t.x.length, gd.querySelectorAll('.trace' + t.uid + ' path.point').length]; }""")
    assert v2[0] == "scatter" and v2[1] > 100 and v2[2] == v2[1], v2
    page.screenshot(path=str(artifacts_dir / "analysis-target.png"), full_page=True)

    page.goto(f"{live_server.url}/analysis/plots/")
    page.wait_for_selector("#plot-sbcr .main-svg")
    page.screenshot(path=str(artifacts_dir / "analysis-survey-plots.png"), full_page=True)
