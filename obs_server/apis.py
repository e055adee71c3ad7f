"""REST API of the OB server, a2p2's side: service status, OB submission (token or secret URL), validation.

Thin classes: validate input, call one service or selector, serialise. The a2p2 payload
shape belongs to ob_format.py, not to serializers. The acquisition client's endpoints
(queue, claim, status, heartbeat) are in client_apis.py and share ob_brief and scheduled_night.
"""
from __future__ import annotations

import socket

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

import issp_portal
from domain.errors import ValidationFailed
from domain.ob_format import ObFormatError, ObXmlError, obxml_to_dict
from issp_portal.dates import day_or_none
from obs_server import key_services, selectors, services
from obs_server.models import ObservingBlock


class ObXmlParser(BaseParser):
    """``Content-Type: application/xml``: the Aspro2 .obxml file itself."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return obxml_to_dict(stream.read())
        except ObXmlError as exc:
            raise ObFormatError({"xml": str(exc)}) from None


class TextXmlParser(ObXmlParser):
    media_type = "text/xml"


class SafeJSONParser(JSONParser):
    """JSON whose nesting exhausts the interpreter's recursion is a parse error (400), not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ObFormatError({"json": "nested too deeply to be an OB"}) from None


PARSERS = [SafeJSONParser, ObXmlParser, TextXmlParser]


def _abs(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(f"obs_server:{name}", kwargs=kwargs))


def ob_brief(request, ob: ObservingBlock) -> dict:
    return {
        "id": ob.pk, "name": ob.name, "program": ob.program.code, "state": ob.state,
        "instrument": ob.instrument, "mode": ob.mode, "stations": ob.stations,
        "target": ob.target.name if ob.target_id else None,
        "night": ob.night.date.isoformat() if ob.night_id else None, "priority": ob.priority,
        "claimed_by": ob.claimed_by or None, "lease_expires": ob.lease_expires, "summary": ob.summary,
        "warnings": ob.warnings, "url": _abs(request, "ob-detail", pk=ob.pk),
        "obxml_url": _abs(request, "ob-obxml", pk=ob.pk),
    }


def _status_body(user) -> dict:
    body = {"service": settings.OBS_SERVER_SERVICE_NAME, "version": issp_portal.__version__,
            "datetime": timezone.now().isoformat(), "hostname": socket.gethostname()}
    if user is not None and user.is_authenticated:
        body["user"] = user.username
        body["programs"] = list(selectors.programs_for(user=user, roles=selectors.SUBMIT_ROLES)
                                .order_by("code").values_list("code", flat=True))
    return body


def _submit(request, user, key=None) -> Response:
    """Shared by the header-token URL and the secret-key URL: store one OB, answer what happened."""
    if not isinstance(request.data, dict):
        raise ObFormatError({"": "send the JSON object a2p2's OB.as_dict() produces, or the .obxml file"})
    program = services.ob_program_resolve(user=user, code=request.query_params.get("program", ""), key=key)
    night = None
    if request.query_params.get("night"):
        night = scheduled_night(request.query_params["night"])
    ob, created, warnings = services.ob_receive(payload=dict(request.data), program=program, submitted_by=user,
                                                night=night, client=request.query_params.get("client", "a2p2"))
    verb = "accepted and queued" if created else "already received (same content): nothing new stored"
    body = {"detail": f"OB {ob.pk} {verb}: {ob.summary}", **ob_brief(request, ob), "created": created}
    if warnings:
        body["detail"] += " WARNING: " + "; ".join(warnings)
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def scheduled_night(text: str):
    """The scheduled night a ``night=YYYY-MM-DD`` parameter names (400 when there is none)."""
    from surveys.selectors import night_on

    night = night_on(date=day_or_none(text))
    if night is None:
        raise ValidationFailed("unknown night", {"night": f"no scheduled night {text!r} (YYYY-MM-DD)"})
    return night


SUBMIT_DOC = dict(
    request={"application/json": OpenApiTypes.OBJECT, "application/xml": OpenApiTypes.STR},
    parameters=[OpenApiParameter("program", str, description="program code (needed if you have several)"),
                OpenApiParameter("night", str, description="YYYY-MM-DD; default any night")],
    responses={201: OpenApiResponse(description="stored and queued"),
               200: OpenApiResponse(description="same OB already stored: existing id"),
               400: OpenApiResponse(description="every bad field with the reason")},
)


class ObSubmitApi(APIView):
    """a2p2 queue-server URL with a token header: GET status, POST an OB (JSON or obxml)."""

    parser_classes = PARSERS

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Service status (a2p2 health check)")
    def get(self, request):
        return Response(_status_body(request.user))

    @extend_schema(summary="Submit an OB (a2p2 OB.as_dict() JSON or the .obxml file)", **SUBMIT_DOC)
    def post(self, request):
        return _submit(request, request.user)


class ObSubmitKeyApi(APIView):
    """The same URL for a2p2, which cannot send headers: ``/ob/submit/<secret key>/``."""

    parser_classes = PARSERS
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Status for the key's owner")
    def get(self, request, key: str):
        return Response(_status_body(key_services.submit_key_resolve(raw_key=key).user))

    @extend_schema(summary="Submit an OB with a secret URL key", **SUBMIT_DOC)
    def post(self, request, key: str):
        found = key_services.submit_key_resolve(raw_key=key, use=True)
        return _submit(request, found.user, key=found)


class ObValidateApi(APIView):
    """Dry run: the same checks and errors as a submission, nothing stored."""

    parser_classes = PARSERS

    @extend_schema(summary="Validate an OB without storing it", **SUBMIT_DOC)
    def post(self, request):
        if not isinstance(request.data, dict):
            raise ObFormatError({"": "send the JSON object a2p2's OB.as_dict() produces, or the .obxml file"})
        program = services.ob_program_resolve(user=request.user, code=request.query_params.get("program", ""))
        definition, warnings = services.ob_validate(payload=dict(request.data), program=program)
        return Response({"valid": True, "program": program.code, "summary": definition.summary(),
                         "warnings": warnings, "detail": "OB valid (not stored): " + definition.summary()})
