"""Every bad OB document of tests/data/bad/ through every OB entry point: a clear 4xx, nothing stored.

Entry points (obs_server/urls.py): the a2p2 submission API with a token header, the a2p2
secret URL (no header), the validate dry run, and the upload form (submit and validate only).
JSON cases go as application/json, XML cases as application/xml (the form takes the file as is).
"""
from __future__ import annotations

import html
import re

import pytest

from django.test import Client

from obs_server.models import ObservingBlock, ObSubmitKey, ObTransition
from surveys.models import Calibrator, Observation, Target
from tests.factories import ProgramFactory
from tests.hardening.badcorpus import BAD, OB_CASES, ObCase

ENTRY_POINTS = ["api-token", "secret-url", "validate", "upload-form", "upload-validate-only"]


# (case, entry point or None for all) -> a known bug, as a strict xfail. Empty: every case is refused cleanly.
KNOWN_BUGS: dict = {}


def _params():
    for case in OB_CASES:
        for entry in ENTRY_POINTS:
            marks = [m for (name, where), m in KNOWN_BUGS.items() if name == case.name and where in (None, entry)]
            yield pytest.param(case, entry, marks=marks, id=f"{case.name}-{entry}")


@pytest.fixture
def submitter(db):
    from rest_framework.authtoken.models import Token

    from obs_server import key_services

    program = ProgramFactory(code="issp", kind="survey")
    user = program.pi
    token, _ = Token.objects.get_or_create(user=user)
    _, raw_key = key_services.submit_key_create(user=user, program=program)
    web = Client(raise_request_exception=False)
    web.force_login(user)
    return {"token": token.key, "key": raw_key, "web": web}


def _snapshot() -> tuple[int, ...]:
    return (ObservingBlock.objects.count(), ObTransition.objects.count(), Observation.objects.count(),
            Target.objects.count(), Calibrator.objects.count(), ObSubmitKey.objects.count())


def send(case: ObCase, entry: str, submitter: dict):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = (BAD / case.name).read_bytes()
    api = Client(raise_request_exception=False)
    auth = {"HTTP_AUTHORIZATION": f"Token {submitter['token']}"}
    if entry == "api-token":
        return api.post("/api/v1/ob/submit/?program=issp", data=body, content_type=case.content_type, **auth)
    if entry == "secret-url":
        return api.post(f"/ob/submit/{submitter['key']}/", data=body, content_type=case.content_type)
    if entry == "validate":
        return api.post("/api/v1/ob/validate/?program=issp", data=body, content_type=case.content_type, **auth)
    from surveys.models import Program

    form = {"program": Program.objects.get(code="issp").pk, "obxml": SimpleUploadedFile(case.name, body)}
    if entry == "upload-validate-only":
        form["validate_only"] = "on"
    return submitter["web"].post("/ob/upload/", data=form)


@pytest.mark.parametrize("case,entry", list(_params()))
def test_bad_ob_refused_with_clear_reason_nothing_stored(case: ObCase, entry: str, submitter):
    before = _snapshot()
    response = send(case, entry, submitter)
    text = response.content.decode("utf-8", errors="replace")
    assert 400 <= response.status_code < 500, f"{case.why}: {response.status_code} {text[:300]}"
    expect = case.expect
    if entry.startswith("upload"):
        assert "text/html" in response["Content-Type"]
        shown = re.findall(r'data-test="errors">(.*?)</div>|class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S)
        assert shown, "the form page shows no error block"
        text = html.unescape(re.sub(r"<[^>]+>", " ", " ".join(a + b for a, b in shown)))
        if case.content_type == "application/json":  # the form takes .obxml files: JSON is not XML
            expect = ("well-formed", "xml", "empty")
    else:
        body = response.json()
        assert body.get("detail"), body
        text = f"{body['detail']} {body.get('errors', '')}"
    assert any(word in text.lower() for word in expect), f"{case.why}: reason not named in {text[:500]!r}"
    assert _snapshot() == before, "something was stored for a refused OB"


def test_corpus_files_are_what_the_generator_writes():
    """tests/data/bad/ is generated (python -m tests.hardening.badcorpus): no hand-edited drift."""
    from tests.hardening.badcorpus import ob_corpus_bytes

    for name, data in ob_corpus_bytes().items():
        assert (BAD / name).read_bytes() == data, f"{name} differs from its generator"


def test_huge_name_in_a_valid_ob_is_refused_or_truncated(submitter):
    """A 1 MB OB name (under the body limits) must be refused or cut, not stored as a 1 MB name."""
    import json

    from tests.hardening.badcorpus import _sample_payload

    payload = _sample_payload()
    payload["name"] = "N" * (1024 * 1024)
    before = _snapshot()
    api = Client(raise_request_exception=False)
    response = api.post("/api/v1/ob/submit/?program=issp", data=json.dumps(payload), content_type="application/json",
                        HTTP_AUTHORIZATION=f"Token {submitter['token']}")
    assert response.status_code in (201, 400), (response.status_code, response.content[:3000])
    if response.status_code == 400:
        assert "name" in json.dumps(response.json()["errors"])
        assert _snapshot() == before
    else:
        ob = ObservingBlock.objects.get(pk=response.json()["id"])
        assert len(ob.name) <= 200 and len(ob.summary) <= 400


def test_body_over_the_upload_limit_is_413_before_parsing(submitter, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024 * 1024
    before = _snapshot()
    big = b"<observingBlockDefinition><name>" + b"x" * (2 * 1024 * 1024) + b"</name></observingBlockDefinition>"
    api = Client(raise_request_exception=False)
    for path in ("/api/v1/ob/submit/?program=issp", f"/ob/submit/{submitter['key']}/", "/api/v1/ob/validate/"):
        response = api.post(path, data=big, content_type="application/xml",
                            HTTP_AUTHORIZATION=f"Token {submitter['token']}")
        assert response.status_code == 413, path
        assert "exceeds" in response.json()["detail"]
    assert _snapshot() == before


def test_json_body_between_memory_and_upload_limits_gets_a_json_413(submitter):
    """6 MB of JSON: over DATA_UPLOAD_MAX_MEMORY_SIZE (5 MB), under the 20 MB upload limit: a JSON 413
    naming the limit (was a bare HTML 'Bad Request (400)' from RequestDataTooBig)."""
    body = b'{"name": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    response = Client(raise_request_exception=False).post(
        "/api/v1/ob/submit/?program=issp", data=body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {submitter['token']}")
    assert response.status_code == 413
    assert "5242880 byte limit" in response.json()["detail"]
