"""Real Chromium: sign in with ORCID (loopback stand-in) into the existing account, then no second account exists."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.identity.test_orcid import ADA, orcid  # noqa: F401 - the stand-in fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_with_orcid_lands_in_the_existing_account(page, live_server, demo, orcid, artifacts_dir):  # noqa: F811
    from allauth.socialaccount.models import SocialAccount
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.count()
    pi = demo["pi_issp"]
    orcid.people[ADA] = (pi.first_name or "Pat", pi.last_name or "PI", [(pi.email, True)])
    orcid.signing_in = ADA
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("#orcid-login button[type=submit]")
    expect(page.locator("h1")).to_have_text("ORCID stand-in")  # at "ORCID", the user consents
    page.screenshot(path=str(artifacts_dir / "orcid-consent.png"))
    page.click("#authorize")
    expect(page.locator(".who")).to_have_text(pi.get_full_name() or pi.username)
    page.screenshot(path=str(artifacts_dir / "orcid-signed-in.png"), full_page=True)
    assert page.url.startswith(live_server.url)
    assert get_user_model().objects.count() == users
    assert SocialAccount.objects.get(provider="orcid", uid=ADA).user == pi
