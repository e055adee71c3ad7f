"""Fixtures for the OB server tests: a2p2's own dicts of the sample OBs, API clients per role."""
from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "obxml"
SPICA_OBXML = DATA / "issp-spica-hd219080.obxml"
MYSTIC_OBXML = DATA / "external-mystic-hd219080.obxml"


def a2p2_dict(path: Path) -> dict:
    """What a2p2 sends: its own OB(path).as_dict() (the real PyPI package)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from a2p2.ob import OB
    return copy.deepcopy(OB(str(path)).as_dict())


@pytest.fixture
def spica_payload() -> dict:
    return a2p2_dict(SPICA_OBXML)


@pytest.fixture
def mystic_payload() -> dict:
    return a2p2_dict(MYSTIC_OBXML)


@pytest.fixture
def api(demo):
    """api(username) -> DRF APIClient authenticated with that user's token header (None: anonymous)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(username: str | None) -> APIClient:
        client = APIClient()
        if username:
            token, _ = Token.objects.get_or_create(user=demo[username])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def make_ob(program_code: str, payload: dict, *, user=None, name: str | None = None, ra: str | None = None,
            dec: str | None = None, night=None):
    """Store a variant of a sample OB through the real service."""
    from obs_server import services
    from surveys.models import Program

    payload = copy.deepcopy(payload)
    if name:
        payload["name"] = name
    if ra:
        payload["observationConfiguration"][0]["SCTarget"]["RA"] = ra
    if dec:
        payload["observationConfiguration"][0]["SCTarget"]["DEC"] = dec
    program = Program.objects.get(code=program_code)
    ob, _, _ = services.ob_receive(payload=payload, program=program, submitted_by=user or program.pi, night=night)
    return ob
