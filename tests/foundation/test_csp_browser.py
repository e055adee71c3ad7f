"""Under the enforced CSP, pages with Plotly figures still draw them and the browser reports no violation."""
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_plots_draw_without_csp_violations(browser_login, live_server, page, demo):
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    browser_login("pi_issp")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("div.plotly-figure .main-svg", timeout=15000)
    assert page.locator("div.plotly-figure .main-svg").count() >= 2
    assert not [m for m in messages if "Content Security Policy" in m], messages
