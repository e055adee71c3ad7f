"""Real Chromium: the notification settings page from the user menu, and an unsubscribe link followed logged out."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from notifications.models import EventKind, MailOptions, Preference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def test_settings_page_from_the_menu_and_one_click_unsubscribe(browser_login, page, browser, live_server, demo,
                                                               artifacts_dir):
    from notifications.mail import unsubscribe_token

    dm = demo["datamanager"]
    page.add_init_script(CSP_LISTENER)
    browser_login("datamanager", "/desk/")
    page.wait_for_url(f"{live_server.url}/desk/")
    page.click("#menu-notifications")
    page.wait_for_url(f"{live_server.url}/account/notifications/")
    boxes = page.locator("#notification-settings input[name^=kind_]")
    expect(boxes).to_have_count(4)
    for kind in EventKind.values:  # every kind on by default; a data manager is not told of OB outcomes
        expect(page.locator(f"#kind_{kind}")).to_be_checked()
        expect(page.locator(f"#row-{kind}")).to_contain_text(
            "none of your roles" if kind == EventKind.OB_OUTCOME else "yes, by your roles")
    page.uncheck(f"#kind_{EventKind.L2_AWAITS_VALIDATION}")
    page.check("#daily_digest")
    page.click("#notification-settings button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("saved")
    page.reload()
    expect(page.locator(f"#kind_{EventKind.L2_AWAITS_VALIDATION}")).not_to_be_checked()
    expect(page.locator(f"#kind_{EventKind.NIGHT_REDUCED}")).to_be_checked()
    expect(page.locator("#daily_digest")).to_be_checked()
    page.screenshot(path=str(artifacts_dir / "notifications-settings.png"), full_page=True)
    assert Preference.objects.get(user=dm, kind=EventKind.L2_AWAITS_VALIDATION).enabled is False
    assert MailOptions.objects.get(user=dm).daily_digest is True
    assert page.evaluate("window.__csp") == []

    anonymous = browser.new_context()  # the link from the mail, in a browser with no session
    other = anonymous.new_page()
    other.add_init_script(CSP_LISTENER)
    other.goto(f"{live_server.url}/account/notifications/unsubscribe/"
               f"{unsubscribe_token(user=dm, kind=EventKind.OB_OUTCOME)}/")
    expect(other.locator("#unsubscribed h1")).to_have_text("Stop these e-mails?")
    assert Preference.objects.get(user=dm, kind=EventKind.OB_OUTCOME).enabled is True  # following the link only asks
    other.click("#unsubscribe-confirm")
    expect(other.locator("#unsubscribed h1")).to_have_text("Switched off")
    expect(other.locator("#unsubscribed")).to_contain_text("An OB was executed or failed")
    assert other.evaluate("window.__csp") == []
    anonymous.close()
    assert Preference.objects.get(user=dm, kind=EventKind.OB_OUTCOME).enabled is False
    page.reload()
    expect(page.locator(f"#kind_{EventKind.OB_OUTCOME}")).not_to_be_checked()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the form fits the screen
    page.reload()
    width = page.evaluate("() => document.querySelector('main').scrollWidth")
    assert width <= 390, f"the settings page is {width} px wide on a 390 px phone"
    expect(page.locator(f"#kind_{EventKind.NIGHT_REDUCED}")).to_be_visible()
    assert page.evaluate("window.__csp") == []
