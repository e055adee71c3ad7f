"""Every page reachable from the navigation, as every demo role, at 1440 px and 390 px, on the full demo.


Fails on what a person would see as broken: an HTTP error that is not a designed refusal page (403/404
inside the portal's layout), a console error, a CSP violation, a failed request, a Plotly graph whose
traces hold data but draw nothing (or show the WebGL message), a page wider than a 390 px phone.
Screenshots of every page go to var/screens/, the table of pages walked to the terminal and
test-artifacts/walk.txt.
"""
from __future__ import annotations

import io
import os
import time

import pytest

from django.core.management import call_command

from tests.conftest import IN_CI, ROOT
from tests.foundation.walker import table, walk

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
# Every role of the demo (pi_ext2 is a second external PI, the same role as pi_ext).
ROLES = ["anonymous", "admin", "pi_issp", "coi_issp", "operator", "datamanager", "pi_ext"]


def _extras() -> list[str]:
    """Pages the issue found broken, walked even when the link the walker follows leads elsewhere."""
    from archive.models import ProductVersion
    from pipelines.calibration.models import CalibrationRun
    from surveys.models import Target

    target = Target.objects.get(name="HD 1000")
    version = (ProductVersion.objects.filter(product__calib_level=2, product__kind="oifits",
                                             product__program__code="issp").order_by("pk").first())
    run = CalibrationRun.objects.order_by("created").first()
    return [f"/analysis/targets/{target.pk}/", f"/archive/versions/{version.pk}/", f"/calibration/runs/{run.pk}/",
            f"/targets/{target.pk}/"]


@pytest.mark.timeout(1800)
def test_walk_every_page_as_every_role(browser, live_server, capsys):
    started = time.monotonic()
    call_command("load_demo", force=True, stdout=io.StringIO())
    loaded = time.monotonic() - started
    extras = _extras()
    # Screenshots are for people to look at: taken outside CI, or in CI with WALK_SCREENS=1.
    screens = ROOT / "var" / "screens" if not IN_CI or os.environ.get("WALK_SCREENS") == "1" else None
    if screens:
        screens.mkdir(parents=True, exist_ok=True)
    visits = []
    for role in ROLES:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(30_000)
        if role != "anonymous":
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=login]", role)
            page.fill("input[name=password]", "issp-demo-2024")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "/accounts/login/" not in page.url, f"{role} could not log in"
        visits += walk(page, live_server.url, role, screens, extras=extras)
        context.close()
    report = table(visits)
    summary = (f"\n{len(visits)} pages walked as {len(ROLES)} roles in {time.monotonic() - started - loaded:.0f} s "
               f"(demo loaded in {loaded:.0f} s); screenshots in {screens or 'none taken (CI)'}")
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "walk.txt").write_text(report + summary + "\n")
    with capsys.disabled():
        print("\n" + report + summary)
    broken = [v for v in visits if v.problems]
    assert not broken, f"{len(broken)} page(s) with problems:\n" + table(broken)
    # The walk saw the pages that matter: plots drawn on the science pages, the navigation for every role.
    by_role = {role: [v for v in visits if v.role == role] for role in ROLES}
    assert all(len(v) >= 10 for v in by_role.values()), {r: len(v) for r, v in by_role.items()}
    plotted = {v.path for v in by_role["pi_issp"] if v.plots}
    assert set(extras[:3]) <= plotted, plotted
