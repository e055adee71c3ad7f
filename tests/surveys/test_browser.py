"""Real Chromium: a PI follows the survey; anonymous and other-program users are refused embargoed data."""
import datetime as dt
from pathlib import Path

import pytest
from astropy.time import Time
from playwright.sync_api import expect

from django.utils import timezone

from archive.services import product_version_create
from surveys.models import Program, Target

DATA = Path(__file__).resolve().parent.parent / "data"
SPICA_FILE = DATA / "oifits" / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
expect.set_options(timeout=20_000)  # two shared cores: the first page with plots can take seconds


@pytest.fixture
def survey(transactional_db, demo):
    """The demo plus one embargoed L2 product (observed a month ago) of an observed ISSP target."""
    issp = Program.objects.get(code="issp")
    target = Target.objects.filter(programs=issp, observations__status="executed").order_by("name").first()
    t_max = Time(timezone.now() - dt.timedelta(days=30)).mjd
    version, _ = product_version_create(
        calib_level=2, kind="oifits", program=issp, target=target, instrument="SPICA", setup="MR720",
        filename="issp_L2_embargoed.fits", source_path=SPICA_FILE, t_min=t_max - 0.1, t_max=t_max, quality_flag=2,
    )
    return {"target": target, "version": version}


def test_pi_follows_the_survey(browser_login, page, live_server, survey, artifacts_dir):
    page.set_viewport_size({"width": 1400, "height": 1000})
    browser_login("pi_issp", "/dashboard/")
    expect(page.locator("h1")).to_have_text("Survey dashboard")
    expect(page.locator(".program-card[data-program=issp]")).to_be_visible()
    page.wait_for_selector("#plot-progress .main-svg")
    page.wait_for_selector("#plot-sky .main-svg")
    page.screenshot(path=str(artifacts_dir / "surveys-dashboard.png"), full_page=True)

    page.select_option("select[name=status]", "in progress")
    page.select_option("select[name=sort]", "-completion")
    page.click("#filters button[type=submit]")
    badges = page.locator("#target-status tbody td span.badge")
    expect(badges.first).to_have_text("in progress")
    assert set(badges.all_inner_texts()) == {"in progress"}
    page.locator("#target-status").screenshot(path=str(artifacts_dir / "surveys-dashboard-filtered.png"))

    page.goto(f"{live_server.url}/targets/{survey['target'].pk}/")
    expect(page.locator("h1")).to_contain_text(survey["target"].name)
    expect(page.locator("a", has_text="issp_L2_embargoed.fits")).to_be_visible()
    page.wait_for_selector("#plot-uv .main-svg")
    page.screenshot(path=str(artifacts_dir / "surveys-target-pi.png"), full_page=True)


@pytest.mark.parametrize("who", [None, "pi_ext"])
def test_embargoed_data_refused(browser_login, page, live_server, survey, artifacts_dir, who):
    if who:
        browser_login(who, "/dashboard/")
        expect(page.locator("h1")).to_have_text("Survey dashboard")
    page.goto(f"{live_server.url}/targets/{survey['target'].pk}/")
    expect(page.locator("table.products tr.refused").first).to_contain_text("proprietary until")
    assert page.locator("text=issp_L2_embargoed.fits").count() == 0
    assert page.locator("#plot-uv").count() == 0
    page.screenshot(path=str(artifacts_dir / f"surveys-target-{who or 'anonymous'}.png"), full_page=True)
    response = page.request.get(f"{live_server.url}/archive/versions/{survey['version'].pk}/download/",
                                max_redirects=0)
    assert response.status in (302, 403, 404)
