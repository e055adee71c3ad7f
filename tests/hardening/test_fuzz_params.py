"""Fuzz of every query parameter every route reads, and of date path segments: never a 500.

Parameters are discovered from the views (see test_list_sweep.accepted_params); each gets
impossible dates, garbage, huge, negative and non-finite numbers, as staff (who reaches every
view's body) and as an anonymous user.
"""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from django.test import Client
from django.urls import reverse

from tests.hardening.test_access_sweep import _routes, _value, world
from tests.hardening.test_list_sweep import accepted_params

FIXTURES = (world,)
pytestmark = [pytest.mark.django_db, pytest.mark.slow]
FUZZ = ["2024-02-30", "2024-13-01", "0000-00-00", "garbage", "-1", "0", "1e400", "NaN", "-inf",
        "99999999999999999999999", "1.5", "", "%00", "9999-12-31", "x" * 300]
DATE_SEGMENTS = ["2024-02-30", "garbage", "9999-99-99", "0001-01-01"]


def _fuzz_urls(world) -> list[str]:
    urls = []
    for name, route, pattern in _routes():
        if name.startswith("admin:") or route.startswith("accounts/") or "<path:" in route:
            continue
        kwargs = {p: _value(name, p, c, world) for p, c in pattern.pattern.converters.items()}
        base = reverse(name, kwargs=kwargs)
        for param in sorted(accepted_params(pattern.callback)):
            urls += [f"{base}?{urlencode({param: v})}" for v in FUZZ]
        if "date" in kwargs:
            urls += [reverse(name, kwargs={**kwargs, "date": d}) for d in DATE_SEGMENTS]
    return urls


@pytest.mark.parametrize("who", ["admin", "anonymous"])
def test_no_query_value_makes_a_500(world, demo, who):
    client = Client(raise_request_exception=False)
    if who != "anonymous":
        client.force_login(demo[who])
    urls = _fuzz_urls(world)
    assert len(urls) > 300
    errors = []
    for url in urls:
        status = client.get(url).status_code
        if status >= 500:
            errors.append(f"GET {url[:160]} -> {status}")
    assert not errors, "\n".join(errors[:40])
