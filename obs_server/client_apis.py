"""REST API of the OB server, the acquisition client's side: the ranked queue, claim, one OB, status, lease.

Thin classes as in apis.py, whose ob_brief is the OB's JSON here too. The queue list is
polled every second or so: ob_queue_view answers a repeated If-None-Match with 304 before DRF.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from domain.errors import NotFoundError, ValidationFailed
from domain.ob_format import ob_to_obxml
from issp_portal.dates import day_or_none
from obs_server import observability, queue_services, selectors
from obs_server.apis import ob_brief, scheduled_night
from obs_server.auth import PollTokenAuthentication
from obs_server.models import ObservingBlock

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
            night = scheduled_night(v["night"]) if v["night"] else None
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
