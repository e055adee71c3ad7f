"""The run page as a user sees it: report tables and the TF plot drawn by Plotly (Chromium)."""
from __future__ import annotations

import pytest

from django.contrib.auth import get_user_model

from demo.synthetic import l1 as syn


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_run_page_draws_tf_plot(browser_login, live_server, page, artifacts_dir, tmp_path):
    from pipelines.calibration import services
    from tests.calibration.conftest import register_night

    get_user_model().objects.create_user("ops", password="issp-demo-2024", is_staff=True)
    cals = [syn.Star("HD_200001", 0.25, False, diameter_err=0.01), syn.Star("HD_200002", 0.30, False),
            syn.Star("HD_200003", 0.20, False), syn.Star("HD_200004", 0.25, False, binary=(0.4, 3.0, 40.0))]
    night, _, _ = register_night(tmp_path, n_files=24, calibrators=cals, seed=2)
    run = services.calibration_runs_start(night=night, parameters={"excluded_baselines": ["E1-W1"]})[0]
    from issp_portal.celery import app

    if not app.conf.task_always_eager:  # broker configured: run it here, this test is about the page
        services.calibration_run_execute(run_id=run.pk)
    browser_login("ops")
    page.goto(f"{live_server.url}/calibration/runs/{run.pk}/")
    page.wait_for_selector(".plot .main-svg", timeout=15000)
    assert "HD_200004" in page.inner_text("#run-excluded")
    assert "non-zero closure phases" in page.inner_text("#run-suspects")
    assert page.locator(".plot .scatterlayer .trace").count() > 15
    # Science exposures are dotted vertical lines spanning each panel, not TF² = 0 points that squash the
    # calibrators: the first panel's TF² axis stays near the calibrators' level.
    tf = page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
        const sci = gd.layout.shapes.filter(s => s.legendgroup === 'science');
        const cal = new Set(gd._fullData.filter(t => t.mode === 'markers').map(t => t.marker.color));
        return {n: sci.length, span: sci.every(s => s.y0 === 0 && s.y1 === 1 && s.x0 === s.x1),
                colour: sci[0].line.color, cal: Array.from(cal), ymin: gd._fullLayout.yaxis.range[0]}; }""")
    assert tf["n"] > 0 and tf["span"] and tf["colour"] not in tf["cal"], tf
    assert tf["ymin"] > 0.3, tf
    page.screenshot(path=str(artifacts_dir / "calibration-run.png"), full_page=True)
    page.goto(f"{live_server.url}/calibration/")
    assert night.date.isoformat() in page.inner_text("#calibration-runs")
    page.screenshot(path=str(artifacts_dir / "calibration-run-list.png"), full_page=True)
