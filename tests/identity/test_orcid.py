"""ORCID sign-in through django-allauth's ORCID provider against a loopback stand-in of ORCID's OAuth endpoints."""
from __future__ import annotations

import re

import pytest

from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from tests.factories import UserFactory
from tests.identity.orcid_standin import OrcidStandin

ADA = "0000-0002-1825-0097"


@pytest.fixture
def orcid(settings):
    server = OrcidStandin(client_id="APP-ISSP", secret="orcid-secret").start()
    settings.ORCID_BASE_URL = server.url
    settings.ORCID_API_URL = server.url
    settings.SOCIALACCOUNT_PROVIDERS = {"orcid": {"APPS": [{"client_id": "APP-ISSP", "secret": "orcid-secret"}]}}
    yield server
    server.stop()


def _sign_in_with_orcid(client, orcid, *, process: str = "login"):
    """The browser's path: POST the provider login, follow to ORCID, authorize, come back to the callback."""
    response = client.post("/accounts/orcid/login/", {"process": process})
    assert response.status_code == 302 and response["Location"].startswith(orcid.url + "/oauth/authorize"), response
    import requests

    consent = requests.get(response["Location"], timeout=5).text
    callback = re.search(r"href='([^']+)'", consent).group(1).replace("&amp;", "&")
    assert callback.startswith("http://testserver/accounts/orcid/login/callback/")
    return client.get(callback.removeprefix("http://testserver"))


@pytest.mark.django_db
def test_verified_email_signs_in_to_the_existing_account_never_a_second(client, orcid):
    pi, _other = UserFactory(username="pi_issp"), UserFactory(username="operator")
    users = get_user_model().objects.count()
    orcid.people[ADA] = ("Ada", "Lovelace", [("other@example.org", False), (pi.email.upper(), True)])
    orcid.signing_in = ADA
    landed = _sign_in_with_orcid(client, orcid)
    assert landed.status_code == 302 and int(client.session["_auth_user_id"]) == pi.pk
    assert SocialAccount.objects.get(provider="orcid").user == pi and get_user_model().objects.count() == users
    client.logout()
    _sign_in_with_orcid(client, orcid)  # next time: the linked iD, one account, one link
    assert int(client.session["_auth_user_id"]) == pi.pk and SocialAccount.objects.count() == 1


@pytest.mark.django_db
def test_unverified_or_unknown_email_creates_nothing_and_says_how_to_link(client, orcid):
    pi = UserFactory(username="pi_issp")
    users = get_user_model().objects.count()
    orcid.people[ADA] = ("Ada", "Lovelace", [(pi.email, False)])  # not verified by ORCID
    orcid.signing_in = ADA
    page = _sign_in_with_orcid(client, orcid)
    assert page.status_code == 200 and "Account connections" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert get_user_model().objects.count() == users and not SocialAccount.objects.exists()


@pytest.mark.django_db
def test_explicit_link_step_then_orcid_signs_in(client, orcid):
    operator = UserFactory(username="operator")
    orcid.people[ADA] = ("Ada", "Lovelace", [("ada.private@example.org", True)])  # e-mail unknown to the portal
    orcid.signing_in = ADA
    client.force_login(operator)
    linked = _sign_in_with_orcid(client, orcid, process="connect")
    assert linked.status_code == 302 and SocialAccount.objects.get(uid=ADA).user == operator
    client.logout()
    _sign_in_with_orcid(client, orcid)
    assert int(client.session["_auth_user_id"]) == operator.pk
