"""Read side of the OB server: who may do what, the ranked queue and its cheap fingerprint."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet

from domain.ob_format import survey_instruments
from obs_server import observability as obsv
from obs_server.models import ObservingBlock, ObSubmitKey
from surveys.models import Observation, Program, SurveyGoal
from surveys.selectors import programs_with_role

ALL_ROLES = ("pi", "member", "operator", "data_manager")
SUBMIT_ROLES = ("pi", "member", "operator")
OPERATOR_ROLES = ("operator",)
ACTIVE_STATES = (ObservingBlock.State.QUEUED, ObservingBlock.State.CLAIMED, ObservingBlock.State.EXECUTING)


def programs_for(*, user, roles: tuple[str, ...]) -> QuerySet[Program]:
    if user is None or not user.is_authenticated:
        return Program.objects.none()
    return programs_with_role(user=user, roles=roles)


def can(*, user, program: Program | int, roles: tuple[str, ...]) -> bool:
    pk = program.pk if isinstance(program, Program) else program
    return programs_for(user=user, roles=roles).filter(pk=pk).exists()


def submit_key_lookup(*, raw_key: str) -> ObSubmitKey | None:
    digest = hashlib.sha256(raw_key.encode()).hexdigest()
    return ObSubmitKey.objects.select_related("user", "program").filter(
        key_hash=digest, revoked_at__isnull=True, user__is_active=True).first()


def ob_visible(*, user, pk: int) -> ObservingBlock | None:
    """An OB the user may read (any role in its program, or staff); None otherwise."""
    return ObservingBlock.objects.select_related("program", "target", "night").filter(
        pk=pk, program__in=programs_for(user=user, roles=ALL_ROLES)).first()


def queue_scope(*, user, night_date: dt.date, instrument: str = "", program: str = "",
                roles: tuple[str, ...] = ALL_ROLES) -> QuerySet[ObservingBlock]:
    """Active OBs of the night (or any night) in the programs the user belongs to."""
    qs = ObservingBlock.objects.filter(state__in=ACTIVE_STATES).filter(
        Q(night__isnull=True) | Q(night__date=night_date))
    if not (user.is_authenticated and user.is_staff):
        qs = qs.filter(program__in=programs_for(user=user, roles=roles).values("pk"))
    if instrument:
        qs = qs.filter(instrument__iexact=instrument)
    if program:
        qs = qs.filter(program__code=program)
    return qs


_ETAG_CACHE: dict[str, tuple[float, str]] = {}
_GENERATION = [0]


def queue_changed() -> None:
    """Called by every service that changes the queue: drops this process's ETag micro-cache."""
    _GENERATION[0] += 1
    _ETAG_CACHE.clear()


def queue_etag(qs: QuerySet[ObservingBlock] | Callable[[], QuerySet[ObservingBlock]], *, now: dt.datetime,
               extra: str = "") -> str:
    """One aggregate query (micro-cached per process for OBS_SERVER_POLL_CACHE_SECONDS).

    Changes when an OB changes (pausing a program touches its OBs) or the time bucket
    (OBS_SERVER_QUEUE_REFRESH_SECONDS) rolls over, since observability moves with time.
    """
    bucket = int(now.timestamp()) // max(1, settings.OBS_SERVER_QUEUE_REFRESH_SECONDS)
    key = f"{extra}|{bucket}|{_GENERATION[0]}"
    cached = _ETAG_CACHE.get(key)
    clock = now.timestamp()
    if cached is not None and clock - cached[0] < settings.OBS_SERVER_POLL_CACHE_SECONDS:
        return cached[1]
    if callable(qs):  # built only on a cache miss: a cached poll costs no query building at all
        qs = qs()
    agg = qs.aggregate(last=Max("updated"), n=Count("id"))
    raw = f"{agg['last']}|{agg['n']}|{bucket}|{extra}"
    etag = '"' + hashlib.sha1(raw.encode()).hexdigest()[:20] + '"'
    if len(_ETAG_CACHE) > 1000:
        _ETAG_CACHE.clear()
    _ETAG_CACHE[key] = (clock, etag)
    return etag


@dataclass
class QueueEntry:
    ob: ObservingBlock
    rank: int
    observability: obsv.Observability | None
    need: int | None
    why: str


_OBS_MEMO: dict[tuple, obsv.Observability] = {}


def _observability(obs: list[ObservingBlock], now: dt.datetime) -> list[obsv.Observability | None]:
    """Per-OB observability, memoised per minute so a busy claim loop computes it once."""
    minute = now.replace(second=0, microsecond=0)
    limits = obsv.Limits(settings.OBS_SERVER_MIN_ALTITUDE_DEG, settings.OBS_SERVER_MAX_AIRMASS,
                         settings.OBS_SERVER_MIN_MOON_DEG, settings.OBS_SERVER_MAX_SUN_ALT_DEG)
    keys = [(minute, limits, o.ra_deg, o.dec_deg, o.ha_min, o.ha_max) for o in obs]
    missing = [i for i, k in enumerate(keys) if k not in _OBS_MEMO and obs[i].ra_deg is not None]
    if missing:
        if len(_OBS_MEMO) > 20000:
            _OBS_MEMO.clear()
        windows = [(obs[i].ha_min, obs[i].ha_max) if obs[i].ha_min is not None else None for i in missing]
        results = obsv.observability_now([obs[i].ra_deg for i in missing], [obs[i].dec_deg for i in missing],
                                         windows, minute, limits)
        for i, res in zip(missing, results, strict=True):
            _OBS_MEMO[keys[i]] = res
    return [_OBS_MEMO.get(k) for k in keys]


def completion_need(obs: list[ObservingBlock]) -> dict[int, tuple[int, int]]:
    """(required, executed) observations of each OB's target goal, from surveys goals (#3)."""
    target_ids = {o.target_id for o in obs if o.target_id}
    goals = SurveyGoal.objects.filter(target_id__in=target_ids).values_list(
        "target_id", "program_id", "instrument", "required_observations")
    done = Observation.objects.filter(target_id__in=target_ids, status=Observation.Status.EXECUTED).values(
        "target_id", "program_id", "instrument").annotate(n=Count("id"))
    done_map = {(d["target_id"], d["program_id"], d["instrument"]): d["n"] for d in done}
    goal_map: dict[tuple, int] = {(t, p, i): r for t, p, i, r in goals}
    result = {}
    for o in obs:
        for inst in survey_instruments(o.instrument, o.mode):
            key = (o.target_id, o.program_id, inst)
            if key in goal_map:
                result[o.pk] = (goal_map[key], done_map.get(key, 0))
                break
    return result


def _why(rank: int, o: ObservingBlock, ob_obs: obsv.Observability | None, need: tuple[int, int] | None) -> str:
    parts = [f"#{rank}"]
    if ob_obs is None:
        parts.append("no coordinates")
    else:
        parts.append(ob_obs.describe())
    parts.append(f"program {o.program.code} priority {o.program.priority}")
    if o.priority:
        parts.append(f"operator priority {o.priority:+d}")
    if ob_obs is not None and ob_obs.observable:
        parts.append(f"{ob_obs.hours_left:.1f} h left in its HA window")
    elif ob_obs is not None:
        parts.append(f"HA window opens in {ob_obs.hours_until:.1f} h")
    if need is not None:
        required, executed = need
        parts.append(f"needs {max(0, required - executed)} more observation(s) (goal {required}, done {executed})")
    return "; ".join(parts)


RANK_FIELDS = ("pk", "ra_deg", "dec_deg", "ha_min", "ha_max", "target_id", "program_id", "instrument", "mode",
               "priority", "submitted_at", "program__priority")


@dataclass
class _Row:
    """The few columns ranking needs (cheaper than model instances in a busy claim loop)."""

    pk: int
    ra_deg: float | None
    dec_deg: float | None
    ha_min: float | None
    ha_max: float | None
    target_id: int | None
    program_id: int
    instrument: str
    mode: str
    priority: int
    submitted_at: dt.datetime
    program_priority: int


def queue_order(qs: QuerySet[ObservingBlock], *, now: dt.datetime) -> list[tuple[_Row, obsv.Observability | None,
                                                                                 tuple[int, int] | None]]:
    """Order: observable now first, then program priority, operator priority, urgency, completion need.

    Urgency = hours left before the HA window closes (observable) or until it opens (not yet).
    """
    rows = [_Row(*values) for values in qs.values_list(*RANK_FIELDS)]
    observ = _observability(rows, now)
    needs = completion_need(rows)

    def key(i: int) -> tuple:
        o, v = rows[i], observ[i]
        need = needs.get(o.pk)
        remaining = max(0, need[0] - need[1]) if need else 0
        urgency = (v.hours_left if v.observable else v.hours_until) if v else 99.0
        return (0 if v and v.observable else 1, o.program_priority, -o.priority, round(urgency, 2),
                -remaining, o.submitted_at, o.pk)

    return [(rows[i], observ[i], needs.get(rows[i].pk)) for i in sorted(range(len(rows)), key=key)]


def queue_entry(ob: ObservingBlock, rank: int, observ: obsv.Observability | None,
                need: tuple[int, int] | None) -> QueueEntry:
    return QueueEntry(ob=ob, rank=rank, observability=observ, need=need, why=_why(rank, ob, observ, need))


def queue_ranked(qs: QuerySet[ObservingBlock], *, now: dt.datetime) -> list[QueueEntry]:
    """The ranked queue with models loaded and the reason of each rank."""
    order = queue_order(qs, now=now)
    models = (ObservingBlock.objects.select_related("program", "target", "night").order_by()
              .in_bulk([r.pk for r, _, _ in order]))
    return [queue_entry(models[row.pk], rank, v, need) for rank, (row, v, need) in enumerate(order, start=1)]


def transitions_of(ob: ObservingBlock) -> list:
    return list(ob.transitions.select_related("actor"))


def ob_visits(*, ob: ObservingBlock) -> list[dict]:
    """The OB's SCIENCE / CALIBRATION visits as a2p2 sent them, each with its catalog page when known."""
    from surveys.models import Calibrator, Target

    configs = (ob.payload or {}).get("observationConfiguration") or []
    out = []
    for cfg in configs if isinstance(configs, list) else [configs]:
        star = (cfg or {}).get("SCTarget") or {}
        name, kind = str(star.get("name") or "?"), str((cfg or {}).get("type") or "")
        constraints = (cfg or {}).get("observationConstraints") or {}
        row = {"name": name, "type": kind, "diameter": star.get("DIAMETER"), "ha": constraints.get("HAinterval"),
               "lst": constraints.get("LSTinterval"), "url": None}
        model = Calibrator if kind.upper() == "CALIBRATION" else Target
        found = model.objects.filter(name__iexact=name).only("pk").first()
        if found is not None:
            row["url"] = ("surveys:calibrator-detail" if model is Calibrator else "surveys:target-detail", found.pk)
        out.append(row)
    return out


def ob_observations(*, ob: ObservingBlock):
    return ob.observations.select_related("night", "target", "program").order_by("start")


def ob_products(*, ob: ObservingBlock, user) -> list:
    """Products made from the OB's observations that this user may read (the access policy decides)."""
    from archive.models import Product
    from archive.selectors import product_access

    products = (Product.objects.filter(observation__ob=ob).select_related("program", "target", "night",
                                                                           "current_version")
                .order_by("calib_level", "key"))
    return [p for p in products if product_access(user=user, product=p)]


def obs_failed_since(*, programs, since, limit: int = 20) -> list[ObservingBlock]:
    """Failed or aborted OBs of these programs since a moment, latest first."""
    return list(ObservingBlock.objects.filter(
        program__in=programs, state__in=[ObservingBlock.State.FAILED, ObservingBlock.State.ABORTED],
        updated__gte=since).select_related("program", "target", "night").order_by("-updated")[:limit])


def obs_of_night(*, night, visible: Q) -> QuerySet[ObservingBlock]:
    """The night's OBs among those `visible` (a policy Q on program/target), highest priority first."""
    return (ObservingBlock.objects.filter(visible, night=night).select_related("program", "target")
            .order_by("-priority", "submitted_at"))


def submit_keys_live(*, user) -> QuerySet[ObSubmitKey]:
    return ObSubmitKey.objects.filter(user=user, revoked_at__isnull=True).select_related("program")


def api_token_of(*, user):
    """The user's API token (DRF authtoken), or None."""
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).first()
