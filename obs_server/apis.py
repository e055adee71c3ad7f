"""REST API of the OB server: a2p2 submission, validation, the acquisition client's queue.

Thin classes: validate input, call one service or selector, serialise. The a2p2 payload
shape belongs to ob_format.py, not to serializers.
"""
from __future__ import annotations

import datetime as dt
import socket

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

import issp_portal
from domain.errors import NotFoundError, ValidationFailed
from domain.ob_format import ObFormatError, ObXmlError, ob_to_obxml, obxml_to_dict
from issp_portal.dates import day_or_none
from obs_server import key_services, observability, queue_services, selectors, services
from obs_server.auth import PollTokenAuthentication
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
        night = _night(request.query_params["night"])
    ob, created, warnings = services.ob_receive(payload=dict(request.data), program=program, submitted_by=user,
                                                night=night, client=request.query_params.get("client", "a2p2"))
    verb = "accepted and queued" if created else "already received (same content): nothing new stored"
    body = {"detail": f"OB {ob.pk} {verb}: {ob.summary}", **ob_brief(request, ob), "created": created}
    if warnings:
        body["detail"] += " WARNING: " + "; ".join(warnings)
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _night(text: str):
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


QUEUE_PARAMS = [OpenApiParameter("night", str, description="YYYY-MM-DD (default: tonight at CHARA)"),
                OpenApiParameter("instrument", str, description="SPICA, MIRCX-MYSTIC, ..."),
                OpenApiParameter("program", str, description="program code")]


def entry_json(request, entry: selectors.QueueEntry) -> dict:
    v = entry.observability
    return {
        **ob_brief(request, entry.ob), "rank": entry.rank, "why": entry.why,
        "observable": bool(v and v.observable), "program_priority": entry.ob.program.priority,
        "program_paused": entry.ob.program.paused,
        "observability": None if v is None else {
            "hour_angle": round(v.hour_angle, 3), "altitude_deg": round(v.altitude_deg, 2),
            "airmass": None if v.airmass is None else round(v.airmass, 3), "moon_deg": round(v.moon_deg, 1),
            "hours_left": round(v.hours_left, 2), "ha_window": v.ha_window, "reasons": list(v.reasons)},
        "completion": None if entry.need is None else {"required": entry.need[0], "executed": entry.need[1]},
    }


class ObQueueListApi(APIView):
    """Tonight's queue, best first, each with why; cheap to poll with If-None-Match (304)."""

    authentication_classes = [PollTokenAuthentication, SessionAuthentication]

    @extend_schema(parameters=QUEUE_PARAMS, responses={200: OpenApiTypes.OBJECT, 304: None},
                   summary="The ranked queue (ETag / If-None-Match)")
    def get(self, request):
        now = timezone.now()
        night_date, instrument, program = _queue_params(request.query_params)

        def scope():
            return selectors.queue_scope(user=request.user, night_date=night_date, instrument=instrument,
                                         program=program)

        etag = _queue_etag(request.user, night_date, instrument, program, now, scope)
        if etag in request.headers.get("If-None-Match", ""):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        # The ordered queue is computed once per ETag (per change, per user scope, per time bucket) and
        # shared by every worker through the cache: when the queue changes, all pollers ask at once.
        key = f"obs_server:queue:{request.build_absolute_uri('/')}:{etag.strip(chr(34))}"
        body = cache.get(key)
        if body is None:
            entries = selectors.queue_ranked(scope(), now=now)
            body = {"night": night_date.isoformat(), "generated": now.isoformat(), "count": len(entries),
                    "results": [entry_json(request, e) for e in entries]}
            cache.set(key, body, timeout=2 * max(1, settings.OBS_SERVER_QUEUE_REFRESH_SECONDS))
        return Response(body, headers={"ETag": etag, "Cache-Control": "private, no-cache"})


def _queue_params(query) -> tuple[dt.date, str, str]:
    text = query.get("night", "")
    if not text:
        night_date = observability.night_date(timezone.now())
    else:
        night_date = day_or_none(text)
        if night_date is None:
            raise ValidationFailed("bad night", {"night": "YYYY-MM-DD"})
    return night_date, query.get("instrument", ""), query.get("program", "")


def _queue_etag(user, night_date, instrument: str, program: str, now, scope) -> str:
    return selectors.queue_etag(scope, now=now, extra=f"{user.pk}|{night_date}|{instrument}|{program}")


_queue_api = ObQueueListApi.as_view()


def ob_queue_view(request, *args, **kwargs):
    """Hot path: a client re-polling with its token and If-None-Match gets 304 without DRF's machinery.

    Same token check (every request), same ETag as the API; anything else goes to ObQueueListApi.
    """
    tag = request.headers.get("If-None-Match")
    if request.method == "GET" and tag and request.headers.get("Authorization"):
        try:
            found = PollTokenAuthentication().authenticate(request)
            if found is not None:
                user = found[0]
                night_date, instrument, program = _queue_params(request.GET)
                now = timezone.now()
                etag = _queue_etag(user, night_date, instrument, program, now, lambda: selectors.queue_scope(
                    user=user, night_date=night_date, instrument=instrument, program=program))
                if etag in tag:
                    response = HttpResponseNotModified()
                    response["ETag"] = etag
                    return response
        except (AuthenticationFailed, ValidationFailed):
            pass  # let the API answer with its usual error body
    return _queue_api(request, *args, **kwargs)


ob_queue_view.cls = ObQueueListApi  # drf-spectacular documents the API class
ob_queue_view.initkwargs = _queue_api.initkwargs
ob_queue_view.csrf_exempt = True


class ClaimInput(serializers.Serializer):
    client = serializers.CharField(max_length=100, help_text="name of the acquisition client")
    instrument = serializers.CharField(required=False, allow_blank=True, default="")
    program = serializers.CharField(required=False, allow_blank=True, default="")
    night = serializers.DateField(required=False, allow_null=True, default=None)


class ObClaimNextApi(APIView):
    """Atomically claim the best queued OB (operators of its program, or staff)."""

    @extend_schema(request=ClaimInput, responses={200: OpenApiTypes.OBJECT, 204: None},
                   summary="Claim the next OB")
    def post(self, request):
        data = ClaimInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        entry = queue_services.ob_claim_next(user=request.user, client=v["client"],
                                             night_date=v["night"] or observability.night_date(timezone.now()),
                                             instrument=v["instrument"], program=v["program"])
        if entry is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response({**entry_json(request, entry), "payload": entry.ob.payload})


def _visible(request, pk: int) -> ObservingBlock:
    ob = selectors.ob_visible(user=request.user, pk=pk)
    if ob is None:
        raise NotFoundError(f"no OB {pk} visible to you")
    return ob


class ObDetailApi(APIView):
    """An OB in the a2p2 JSON form (``payload``) with its state and history."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Fetch one OB")
    def get(self, request, pk: int):
        ob = _visible(request, pk)
        history = [{"from": t.from_state, "to": t.to_state, "at": t.at, "by": t.actor.username if t.actor else None,
                    "client": t.client, "reason": t.reason, "comment": t.comment}
                   for t in selectors.transitions_of(ob)]
        return Response({**ob_brief(request, ob), "payload": ob.payload, "transitions": history})


class ObObxmlApi(APIView):
    """An OB as an Aspro2 .obxml document."""

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.STR}, summary="Fetch one OB as obxml")
    def get(self, request, pk: int):
        ob = _visible(request, pk)
        response = HttpResponse(ob_to_obxml(ob.payload), content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="ob-{ob.pk}.obxml"'
        return response


class StatusInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=[s for s in queue_services.ALLOWED])
    client = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expected_state = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    night = serializers.CharField(required=False, allow_blank=True,
                                  help_text="with state=queued: YYYY-MM-DD, or empty for any night")


class ObStatusUpdateApi(APIView):
    """Report a transition (executing, done, failed, aborted, queued, cancelled) compare-and-set."""

    @extend_schema(request=StatusInput, responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
                   summary="Report an OB state change")
    def post(self, request, pk: int):
        ob = _visible(request, pk)
        data = StatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        night = queue_services.KEEP
        if "night" in v and v["state"] == ObservingBlock.State.QUEUED:
            night = _night(v["night"]) if v["night"] else None
        ob = queue_services.ob_status_report(ob=ob, to_state=v["state"], actor=request.user, client=v["client"],
                                             reason=v["reason"], comment=v["comment"],
                                             expected_state=v["expected_state"] or None, night=night)
        return Response(ob_brief(request, ob))


class ObHeartbeatApi(APIView):
    """Renew the claim lease while the client works on the OB."""

    @extend_schema(request=ClaimInput, responses={200: OpenApiTypes.OBJECT}, summary="Renew a claim lease")
    def post(self, request, pk: int):
        ob = _visible(request, pk)
        return Response(ob_brief(request, queue_services.ob_heartbeat(ob=ob, client=request.data.get("client", ""),
                                                                      actor=request.user)))
