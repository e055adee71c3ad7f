"""Real Chromium: the diameters table, a target's V² plot with its fitted curves, the survey plots."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from demo import analysis as analysis_demo

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


def test_companion_map_and_limit_curve_drawn_under_the_csp(browser_login, page, live_server, demo, artifacts_dir):
    """The target page draws the companion screen: the Δχ² heatmap and every point of both limit curves."""
    from demo.synthetic.l2 import Companion
    from pipelines.analysis import companion_services
    from surveys.models import Program

    issp = Program.objects.get(code="issp")
    target = issp.targets.order_by("name").first()
    analysis_demo.l2_synthetic_create(target=target, program=issp, theta_mas=1.0, mjd=59000.3, seed=3, n_times=2,
                                      companion=Companion(flux_ratio=0.1, dra_mas=4.0, ddec_mas=-3.0,
                                                          diameter_mas=0.0))
    from pipelines.analysis import services

    services.target_l3_refresh(target=target)
    [comp] = companion_services.target_companion_refresh(target=target)
    assert comp.detected
    page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                         "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    browser_login("pi_issp", f"/analysis/targets/{target.pk}/")
    page.wait_for_selector(f"#climits-cfig-{comp.pk} .main-svg")
    expect(page.locator(".badge.bad", has_text="companion detected")).to_be_visible()
    drawn = page.evaluate(f"""() => {{
        const gd = document.getElementById('climits-cfig-{comp.pk}');
        return gd._fullData.map(t => [t.name, t.x.length,
            gd.querySelectorAll('.trace' + t.uid + ' path.point').length]); }}""")
    assert [d[0] for d in drawn] == ["3σ limit", "5σ limit", "best companion"], drawn
    assert all(n > 0 and shown == n for _, n, shown in drawn), drawn
    assert drawn[1][1] == 12  # the survey screen's 12 radii
    heat = page.evaluate(f"""() => {{ const gd = document.getElementById('cmap-cfig-{comp.pk}');
        return [gd._fullData[0].type, gd._fullData[0].z.length, gd.querySelectorAll('.plot image').length,
                gd.querySelectorAll('.trace' + gd._fullData[1].uid + ' path.point').length]; }}""")
    assert heat[0] == "heatmap" and heat[1] > 10 and heat[2] == 1 and heat[3] == 1, heat
    assert page.evaluate("window.__csp") == []
    page.screenshot(path=str(artifacts_dir / "analysis-companion.png"), full_page=True)
