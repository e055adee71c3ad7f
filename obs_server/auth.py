"""Token authentication for the hot polling path: the same DRF tokens, one raw indexed query.

DRF's TokenAuthentication builds an ORM query (token JOIN user) on every request; for a
client polling every second that compile cost is most of the request. This class checks
the same ``Authorization: Token <key>`` header against the same table on every request
(no caching, so a deleted token or deactivated user is refused at once).
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header

_SQL = None


def _sql() -> str:
    global _SQL
    if _SQL is None:
        from rest_framework.authtoken.models import Token

        user = get_user_model()
        _SQL = (f'SELECT u."{user._meta.pk.column}", u."username", u."is_active", u."is_staff", u."is_superuser" '
                f'FROM "{Token._meta.db_table}" t JOIN "{user._meta.db_table}" u '
                f'ON u."{user._meta.pk.column}" = t."user_id" WHERE t."key" = %s')
    return _SQL


class PollTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        key = auth[1].decode(errors="replace")
        with connection.cursor() as cursor:
            cursor.execute(_sql(), [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        pk, username, active, staff, superuser = row
        if not active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        user = get_user_model()(pk=pk, username=username, is_active=active, is_staff=staff, is_superuser=superuser)
        user._state.adding = False
        user._state.db = connection.alias
        return user, key


class PollTokenScheme(OpenApiAuthenticationExtension):
    """OpenAPI: the poll's token check is the same header and the same tokens as tokenAuth."""

    target_class = "obs_server.auth.PollTokenAuthentication"
    name = "pollTokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": 'The same DRF token as tokenAuth: "Token <key>"'}
