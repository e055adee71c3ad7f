"""Access-control sweep: every route, as every kind of outsider, on embargoed objects.

The list of routes comes from the URL resolver, so a new route is covered (or the
test fails asking for a parameter value) without anyone editing this file. Each
route is fetched as an anonymous user, as the PI of another program, as a user
whose delegation on the embargoed program has ended, as a delegate for another
target of that program and as a user with no program. A refusal (redirect to
login, 401, 403, 404, 405) passes; a page that answers 200 must not contain any
of the canary strings planted in the embargoed product, its review and its OB.
POSTs by outsiders must change nothing and never answer 5xx. The program's PI
sees the canaries (so the sweep can fail).
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import pytest
from astropy.time import Time

from django.contrib.admin import site as admin_site
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DATA = Path(__file__).resolve().parents[1] / "data"
CANARY_FILE = b"CANARY-FILE-CONTENT"
CANARIES = ["CANARY-L2-FILENAME", "CANARY-REVIEW-COMMENT", "CANARY-OB-NAME", CANARY_FILE.decode(),
            "CANARY-NIGHT-OB", "CANARY-OBS-COMMENT"]
# Routes anyone may read: they carry no proprietary data (checked for canaries all the same).
PUBLIC = {"healthz", "api-schema", "api-docs", "api-redoc", "surveys:home"}
REFUSED = {301, 302, 303, 401, 403, 404, 405}


def _routes(patterns=None, prefix="", namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from _routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), prefix + str(p.pattern), p


@pytest.fixture
def world(demo, settings):
    from archive.models import QualityReview
    from archive.services import product_version_create
    from domain.ob_format import obxml_to_dict
    from obs_server.services import ob_receive
    from pipelines.models import PipelineRun
    from surveys.models import Delegation, Night, Observation, Program

    issp = Program.objects.get(code="issp")
    target = issp.targets.order_by("pk").first()
    night = Night.objects.filter(allocations__program=issp).order_by("date").first()
    recent = Time(timezone.now() - dt.timedelta(days=10)).mjd
    version, _ = product_version_create(
        calib_level=2, kind="oifits", program=issp, target=target, night=night, instrument="SPICA",
        setup="MR720", filename="CANARY-L2-FILENAME.fits", content=b"SIMPLE  = T " + CANARY_FILE, t_min=recent,
        t_max=recent)
    QualityReview.objects.create(version=version, flag=4, comment="CANARY-REVIEW-COMMENT",
                                 reviewer=demo["datamanager"])
    payload = obxml_to_dict((DATA / "obxml" / "issp-spica-hd219080.obxml").read_text())
    payload["name"] = "CANARY-OB-NAME"
    ob, _, _ = ob_receive(payload=payload, program=issp, submitted_by=demo["pi_issp"])
    payload = {**payload, "name": "CANARY-NIGHT-OB"}  # queued for the sweep's night: seen on the night pages
    night_ob, _, _ = ob_receive(payload=payload, program=issp, submitted_by=demo["pi_issp"], night=night)
    Observation.objects.create(program=issp, night=night, target=target, instrument="SPICA", mode="MR720",
                               start=timezone.now() - dt.timedelta(days=10), comment="CANARY-OBS-COMMENT")
    run = PipelineRun.objects.create(kind="l2", night=night, setup="SPICA MR720")
    users = get_user_model().objects
    ended = users.create_user("old_delegate", password="x-old-delegate-1")
    Delegation.objects.create(program=issp, grantee=ended, granted_by=demo["pi_issp"],
                              ends=timezone.now() - dt.timedelta(days=1))
    other_target = issp.targets.exclude(pk=target.pk).order_by("pk").first()
    per_target = users.create_user("target_delegate", password="x-target-delegate-1")
    Delegation.objects.create(program=issp, grantee=per_target, granted_by=demo["pi_issp"], target=other_target)
    nobody = users.create_user("no_program", password="x-no-program-1")
    plan_pk = _plan_pk(issp)
    return {"program": issp, "target": target, "night": night, "version": version, "product": version.product,
            "ob": ob, "night_ob": night_ob, "run": run, "plan": plan_pk, "ended_delegate": ended,
            "target_delegate": per_target, "no_program": nobody, "other_target": other_target}


def _plan_pk(program) -> int:
    from planner.models import NightPlan

    plan = NightPlan.objects.filter(program=program).first()
    return plan.pk if plan else 999_999


def _value(name: str, param: str, converter, world) -> str:
    ns = name.split(":")[0]
    if param in ("pk", "id"):
        by_namespace = {
            "archive": world["version"].pk if "version" in name else world["product"].pk,
            "obs_server": world["ob"].pk, "planning": world["plan"], "jmmc": world["target"].pk,
            "calibration": world["run"].pk,
        }
        if name.endswith("calibrator-detail"):
            from surveys.models import Calibrator

            return str(Calibrator.objects.first().pk)
        if ns in by_namespace:
            return str(by_namespace[ns])
        return str(world["target"].pk)
    values = {"target_id": world["target"].pk, "run_id": world["run"].pk, "date": world["night"].date.isoformat(),
              "code": world["program"].code, "key": uuid.uuid4().hex, "table": "bins", "fmt": "csv",
              "token": "not-a-signed-token"}
    if param not in values:
        pytest.fail(f"route {name}: no value for URL parameter {param!r}; add it to the access sweep")
    return str(values[param])


def _urls(world) -> list[tuple[str, str]]:
    out = []
    for name, route, pattern in _routes():
        if name.startswith("admin:") or route.startswith("accounts/") or "<path:" in route:
            continue
        kwargs = {p: _value(name, p, c, world) for p, c in pattern.pattern.converters.items()}
        try:
            out.append((name, reverse(name, kwargs=kwargs)))
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"cannot build {name} with {kwargs}: {exc}")
    assert len(out) > 40, "the resolver lists fewer routes than expected"
    return out


OUTSIDERS = ["anonymous", "other-program PI", "ended delegate", "per-target delegate", "no program"]


def _users(world, demo):
    return {"anonymous": None, "other-program PI": demo["pi_ext"], "ended delegate": world["ended_delegate"],
            "per-target delegate": world["target_delegate"], "no program": world["no_program"]}


def _counts():
    from archive.models import OutboxMessage, Product, ProductVersion, QualityReview
    from obs_server.models import ObservingBlock, ObTransition
    from surveys.models import CalibratorFlag, Delegation, Target

    return {m.__name__: m.objects.count() for m in (Product, ProductVersion, QualityReview, OutboxMessage,
                                                     ObservingBlock, ObTransition, CalibratorFlag, Delegation,
                                                     Target)}


def test_the_program_pi_sees_the_canaries(client, world, demo):
    """The sweep's positive control: the canaries are visible to someone, so hiding them is meaningful."""
    client.force_login(demo["pi_issp"])
    seen = set()
    for url in [reverse("archive:version-detail", args=[world["version"].pk]),
                reverse("archive:version-download", args=[world["version"].pk]),
                reverse("archive:product-detail", args=[world["product"].pk]),
                reverse("obs_server:ob-detail", args=[world["ob"].pk]),
                reverse("obs_server:ob-page", args=[world["ob"].pk]), reverse("surveys:desk"),
                reverse("surveys:night-detail", args=[world["night"].date.isoformat()])]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seen |= {c for c in CANARIES if c.encode() in body}
    assert seen == set(CANARIES)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_are_refused_everywhere(client, world, demo, who):
    user = _users(world, demo)[who]
    if user is not None:
        client.force_login(user)
    before = _counts()
    leaks, errors = [], []
    for name, url in _urls(world):
        response = client.get(url)
        if response.status_code >= 500:
            errors.append(f"GET {url} ({name}) -> {response.status_code}")
        elif response.status_code not in REFUSED:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            found = [c for c in CANARIES if c.encode() in body]
            if found:
                leaks.append(f"GET {url} ({name}) -> {response.status_code} shows {found}")
        posted = client.post(url, {})
        if posted.status_code >= 500:
            errors.append(f"POST {url} ({name}) -> {posted.status_code}")
    assert not leaks, "\n".join(leaks)
    assert not errors, "\n".join(errors)
    assert _counts() == before, "an outsider's POST changed stored data"


@pytest.mark.parametrize("who", ["anonymous", "other-program PI"])
def test_admin_is_closed_to_non_staff(client, world, demo, who):
    user = _users(world, demo)[who]
    if user is not None:
        client.force_login(user)
    for model in admin_site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 302 and re.search(r"/admin/login/", response["Location"]), url
