"""Who is downloading, for clients without the browser's session: a SAMP hub, curl.

Two ways in, both ending in the same view and the same access-policy check at request time:

* ``Authorization: Token <key>``: the user's DRF API token (made on the OB upload page). The
  curl scripts use it; the token never appears in a URL or a script (``$ISSP_TOKEN``).
* ``?signed=<value>``: a short-lived link signed with ``django.core.signing`` that names the user
  and the exact path and query it opens. A SAMP hub fetches the file with no cookie; the link
  carries who asked, and it expires after ``SIGNED_LINK_MAX_AGE`` seconds. It grants nothing by
  itself: the view still asks the policy for that user, so an embargo or a removed role applies
  to a link already handed out.
"""
from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import AuthenticationFailed

PARAM = "signed"
_SALT = "issp.signed-link"


def _scope(path: str, query: dict[str, str]) -> str:
    return path + "?" + urlencode(sorted((k, v) for k, v in query.items() if k != PARAM))


def sign_url(*, request: HttpRequest, user, path: str, query: dict[str, str] | None = None) -> str:
    """An absolute URL for `path` that opens as `user` (anonymous: as anyone) for a short time."""
    query = dict(query or {})
    value = signing.TimestampSigner(salt=_SALT).sign_object(
        {"u": user.pk if user is not None and user.is_authenticated else None, "s": _scope(path, query)})
    return request.build_absolute_uri(path + "?" + urlencode({**query, PARAM: value}))


def _signed_user(request: HttpRequest):
    """The user a signed link names, or an error message (expired, altered, other path)."""
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(
            request.GET[PARAM], max_age=settings.SIGNED_LINK_MAX_AGE)
    except signing.SignatureExpired:
        return None, "This link has expired: reload the page for a new one."
    except signing.BadSignature:
        return None, "This link is not valid (altered or from another site)."
    if data.get("s") != _scope(request.path, request.GET.dict()):
        return None, "This link was signed for another file."
    if data.get("u") is None:
        return AnonymousUser(), ""
    user = get_user_model().objects.filter(pk=data["u"], is_active=True).first()
    return (user, "") if user else (None, "The account that made this link is no longer active.")


def download_auth(view):
    """Let a view be opened with an API token or a signed link as well as with the session."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.headers.get("Authorization", "").startswith("Token "):
            from rest_framework.authentication import TokenAuthentication

            try:
                found = TokenAuthentication().authenticate(request)
            except AuthenticationFailed as exc:
                return HttpResponse(f"Authorization: {exc.detail}", status=401, content_type="text/plain")
            request.user = found[0]
        elif PARAM in request.GET:
            user, reason = _signed_user(request)
            if user is None:
                return HttpResponse(f"{PARAM}: {reason}", status=403, content_type="text/plain")
            request.user = user
        return view(request, *args, **kwargs)

    wrapper.accepts_signed_links = True
    return wrapper


def sign_view(request: HttpRequest):
    """A fresh signed link for a page's SAMP button: `?path=` must open a view that accepts them."""
    from django.http import JsonResponse
    from django.urls import Resolver404, resolve

    target = request.GET.get("path", "")
    path, _, query = target.partition("?")
    try:
        match = resolve(path) if path.startswith("/") else None
    except Resolver404:
        match = None
    if match is None or not getattr(match.func, "accepts_signed_links", False):
        return JsonResponse({"detail": "Bad link request.",
                             "errors": {"path": "not a download this portal signs links for"}}, status=400)
    from django.http import QueryDict

    url = sign_url(request=request, user=request.user, path=path, query=QueryDict(query).dict())
    return JsonResponse({"url": url, "expires_in": settings.SIGNED_LINK_MAX_AGE})
