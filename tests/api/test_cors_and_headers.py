"""CORS on the API (C5) and security headers on every kind of answer (C8)."""

from __future__ import annotations

import pytest

from praxcloud.testing import PASSWORD
from tests.api.conftest import login, set_tenant_settings

APP = "https://app.example.org"
EVIL = "https://evil.example.org"


def preflight(testapp, url, origin, method="POST"):
    return testapp.options(url, status="*", headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization,content-type"})


def test_only_allowlisted_origins_get_cors_headers(testapp, two_tenants, registry):
    set_tenant_settings(registry, "acme", cors_origins=[APP])
    set_tenant_settings(registry, "beta", cors_origins=["https://beta-app.example.org"])
    headers = login(testapp, "acme", "staff@acme.test")

    allowed = preflight(testapp, "/api/v1/acme/records", APP)
    assert allowed.status_int == 204 and allowed.body == b""
    assert allowed.headers["Access-Control-Allow-Origin"] == APP
    assert {"GET", "POST", "PATCH", "DELETE"} <= {
        m.strip() for m in allowed.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"authorization", "content-type"} <= {
        h.strip().lower() for h in allowed.headers["Access-Control-Allow-Headers"].split(",")}
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    assert "Origin" in allowed.headers["Vary"]

    answer = testapp.get("/api/v1/acme/records", headers={**headers, "Origin": APP})
    assert answer.headers["Access-Control-Allow-Origin"] == APP
    assert "Origin" in answer.headers.getall("Vary")
    login_answer = testapp.post_json("/api/v1/acme/auth/login",
                                     {"email": "staff@acme.test", "password": PASSWORD},
                                     headers={"Origin": APP})
    assert login_answer.headers["Access-Control-Allow-Origin"] == APP
    # Errors carry CORS headers too, so the app can read them.
    error = testapp.get("/api/v1/acme/records/999", headers={**headers, "Origin": APP},
                        status=404)
    assert error.headers["Access-Control-Allow-Origin"] == APP
    assert "Retry-After" in error.headers["Access-Control-Expose-Headers"]

    for origin in (EVIL, "https://app.example.org.evil.example", "http://app.example.org",
                   "null", "https://beta-app.example.org"):
        refused = preflight(testapp, "/api/v1/acme/records", origin)
        assert refused.status_int == 403, origin
        assert refused.json["error"]["code"] == "cors_origin_refused"
        assert "Access-Control-Allow-Origin" not in refused.headers
        answer = testapp.get("/api/v1/acme/records", headers={**headers, "Origin": origin})
        assert "Access-Control-Allow-Origin" not in answer.headers, origin
        assert "Origin" in answer.headers.getall("Vary")

    # acme's allowlist does not open beta, nor an unknown tenant.
    assert preflight(testapp, "/api/v1/beta/records", APP).status_int == 403
    beta = testapp.get("/api/v1/beta/records", headers={"Origin": APP}, status=401)
    assert "Access-Control-Allow-Origin" not in beta.headers
    assert preflight(testapp, "/api/v1/nobody/records", APP).status_int == 403
    beta_ok = preflight(testapp, "/api/v1/beta/records", "https://beta-app.example.org")
    assert beta_ok.headers["Access-Control-Allow-Origin"] == "https://beta-app.example.org"


def test_no_allowlist_means_no_cors(testapp, tenant):
    assert preflight(testapp, "/api/v1/acme/records", APP).status_int == 403
    answer = testapp.get("/api/v1/acme/me", headers={"Origin": APP}, status=401)
    assert "Access-Control-Allow-Origin" not in answer.headers


CSP_PARTS = ("script-src 'self'", "frame-ancestors 'none'", "object-src 'none'")


def assert_security_headers(response, hsts: bool = False):
    csp = response.headers["Content-Security-Policy"]
    for part in CSP_PARTS:
        assert part in csp, (response.request.path, csp)
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # same-origin (not no-referrer): see tweens.py, Pyramid's CSRF origin check needs it.
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert response.headers["X-Frame-Options"] == "DENY"
    if hsts:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    else:
        assert "Strict-Transport-Security" not in response.headers


def every_kind_of_answer(testapp, registry, monkeypatch) -> list:
    headers = login(testapp, "acme", "staff@acme.test")
    answers = [
        testapp.get("/api/v1/acme/records", headers=headers),  # JSON
        testapp.get("/api/v1/openapi.json"),
        testapp.get("/api/v1/acme/records/77", headers=headers, status=404),
        testapp.get("/api/v1/nobody/records", status=404),
        testapp.get("/api/v1/acme/me", status=401),
        testapp.put("/api/v1/acme/me", headers=headers, status=405),
        testapp.post("/api/v1/acme/records", b"x" * (1024 * 1024 + 1), headers={
            **headers, "Content-Type": "application/json"}, status=413),
        testapp.get("/api/v1/acme/records/%ff", status=400),
        testapp.get("/acme/login"),  # console page
        testapp.get("/nobody/login", status=404),
        testapp.get("/static/" + registry.assets.by_name["console.css"].hashed_name),
        testapp.post("/api/v1/acme/auth/logout", headers=headers, status=204),
    ]
    import praxcloud.core.api.records as api_records

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(api_records.records, "read_page", broken)
    headers = login(testapp, "acme", "staff@acme.test")
    crash = testapp.get("/api/v1/acme/records", headers=headers, status=500)
    assert crash.json["error"]["code"] == "internal_error"
    assert "simulated bug" not in crash.text
    answers.append(crash)
    return answers


def test_security_headers_on_every_kind_of_answer(testapp, tenant, registry, monkeypatch):
    answers = every_kind_of_answer(testapp, registry, monkeypatch)
    for answer in answers:
        assert_security_headers(answer)
    static = answers[10]
    assert static.content_type == "text/css"
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert answers[0].headers["Cache-Control"] == "no-store"


@pytest.fixture
def hsts_settings(settings):
    return {**settings, "praxcloud.hsts": "true"}


def test_hsts_only_when_switched_on(hsts_settings, tenant, registry, monkeypatch):
    import webtest

    from praxcloud import main
    from praxcloud.core.migrations import upgrade_platform

    app = main({}, **hsts_settings)
    upgrade_platform(app.registry.tenancy.platform_engine, app.registry.keyring)
    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    try:
        for answer in (client.get("/api/v1/openapi.json"),
                       client.get("/api/v1/acme/me", status=401),
                       client.get("/acme/login"),
                       client.get("/api/v1/nobody/me", status=404)):
            assert_security_headers(answer, hsts=True)
    finally:
        app.registry.tenancy.dispose()
