"""Real Chromium: the data manager reviews an L2 (report, plots), validates it, downloads the stamped FITS."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from astropy.io import fits
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_data_manager_validates_an_l2(browser_login, page, live_server, l2_version, artifacts_dir):
    page.set_viewport_size({"width": 1400, "height": 1000})
    browser_login("datamanager", f"/archive/versions/{l2_version.pk}/")
    expect(page.locator("#version-flag")).to_have_text("Unknown (not reviewed)")
    page.wait_for_selector("#plot-vis2 .main-svg")
    page.wait_for_selector("#plot-t3 .main-svg")
    expect(page.locator("#problems")).to_contain_text("The checker found nothing to report.")
    page.screenshot(path=str(artifacts_dir / "archive-review.png"), full_page=True)

    page.select_option("select[name=flag]", "4")
    page.fill("textarea[name=comment]", "TF stable over the night; closure phases flat.")
    page.click("#review-form button[type=submit]")
    expect(page.locator(".msg.success")).to_contain_text("Validated: flag 4 (Science ready)")
    expect(page.locator("#current-flag")).to_contain_text("Science ready")
    expect(page.locator("#quality-history .review-comment").first).to_have_text(
        "TF stable over the night; closure phases flat.")
    page.screenshot(path=str(artifacts_dir / "archive-product.png"), full_page=True)

    with page.expect_download() as info:
        page.click("text=Download v2")
    header = fits.getheader(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert header["HIERARCH QUALITY LEVEL"] == 4 and header["HIERARCH ISSP QC FLAG"] == 4
    assert header["HIERARCH ISSP QC REVIEWER"] == "datamanager"
    assert "TF stable over the night; closure phases flat." in " ".join(str(c) for c in header["COMMENT"])
