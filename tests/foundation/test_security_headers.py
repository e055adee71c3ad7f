"""Security headers and request limits every page gets."""
import pytest

from tests.factories import PASSWORD, UserFactory


@pytest.mark.django_db
def test_pages_carry_an_enforced_content_security_policy(client):
    response = client.get("/")
    header = response.headers.get("Content-Security-Policy")
    assert header, "CSP must be enforced, not report-only"
    script_src = next(d for d in header.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "object-src 'none'" in header and "frame-ancestors 'none'" in header
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_oversized_body_is_refused_with_413_before_reading(client, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    response = client.post("/healthz", data=b"x" * 5000, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "exceeds the 1000 byte limit" in response.json()["detail"]


@pytest.mark.django_db
def test_login_is_rate_limited(client):
    UserFactory(username="pi_issp")
    pages = [client.post("/accounts/login/", {"login": "pi_issp", "password": "wrong"}).content
             for _ in range(7)]
    assert b"Too many failed login attempts" not in pages[0]
    assert b"Too many failed login attempts" in pages[-1]
    # Even the right password is refused while the limit holds.
    ok = client.post("/accounts/login/", {"login": "pi_issp", "password": PASSWORD})
    assert b"Too many failed login attempts" in ok.content


@pytest.mark.django_db
def test_signup_is_closed_by_default(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert b"closed" in response.content.lower() or b"Sign Up Closed" in response.content
