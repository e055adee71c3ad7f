"""ORCID sign-in (django-allauth's ORCID provider): endpoints from settings, and linking without second accounts.

allauth's ORCID adapter fixes its URLs when it is imported (https://orcid.org or the
sandbox); `use_configured_endpoints` makes them read `ORCID_BASE_URL` / `ORCID_API_URL` at
each request, so the sandbox (https://sandbox.orcid.org, https://pub.sandbox.orcid.org) or
a loopback stand-in is a setting. Roles stay in the portal: an ORCID iD only ever signs
in to an existing account, either one already linked (explicit link step at
/accounts/3rdparty/ while signed in), or the one account whose e-mail ORCID reports as
verified; otherwise nothing is created and the user is told how to link.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q


def use_configured_endpoints() -> None:
    """Point allauth's ORCID adapter at settings.ORCID_BASE_URL / ORCID_API_URL (read per request)."""
    from allauth.socialaccount.providers.orcid.views import OrcidOAuth2Adapter

    OrcidOAuth2Adapter.authorize_url = property(lambda self: f"{settings.ORCID_BASE_URL.rstrip('/')}/oauth/authorize")
    OrcidOAuth2Adapter.access_token_url = property(lambda self: f"{settings.ORCID_API_URL.rstrip('/')}/oauth/token")
    OrcidOAuth2Adapter.profile_url = property(lambda self: f"{settings.ORCID_API_URL.rstrip('/')}/v3.0/%s/record")


def throttled_urlpatterns() -> list:
    """The ORCID sign-in start (POST) and callback (GET), under allauth's per-IP `login` limit
    (ACCOUNT_RATE_LIMITS) in the shared cache like every login form; listed before allauth's URLs."""
    from allauth.decorators import rate_limit
    from allauth.socialaccount.providers.orcid.views import oauth2_callback, oauth2_login
    from django.urls import path

    return [path("orcid/login/", rate_limit(action="login")(oauth2_login)),
            path("orcid/login/callback/", rate_limit(action="login", limit_get=True)(oauth2_callback))]


def verified_emails(record: dict) -> list[str]:
    """The e-mail addresses an ORCID record (v3.0, public API) marks as verified."""
    emails = ((record.get("person") or {}).get("emails") or {}).get("email") or []
    return [e["email"].strip().lower() for e in emails if isinstance(e, dict) and e.get("verified") and e.get("email")]


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        """Never: an ORCID iD signs in to an existing portal account (roles live in the portal)."""
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        """An unknown ORCID iD whose verified e-mail is exactly one active account's signs in to that account."""
        if sociallogin.is_existing or sociallogin.state.get("process") == AuthProcess.CONNECT:
            return
        if sociallogin.account.provider != "orcid":
            return
        emails = verified_emails(sociallogin.account.extra_data or {})
        if not emails:
            return
        match = Q()
        for email in emails:
            match |= Q(email__iexact=email)
        users = list(get_user_model().objects.filter(match, is_active=True)[:2])
        if len(users) == 1:
            sociallogin.connect(request, users[0])


class OrcidFormActionMiddleware:
    """Let the sign-in forms of /accounts/ be redirected to ORCID: CSP `form-action 'self'` also covers the
    redirect that follows a form POST, so ORCID's origin is added there (and only there)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/accounts/") and settings.SOCIALACCOUNT_PROVIDERS.get("orcid", {}).get("APPS"):
            parts = urlsplit(settings.ORCID_BASE_URL)
            response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
        return response
