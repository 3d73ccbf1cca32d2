"""Operator login and logout, and that every platform page needs a logged-in operator."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from praxcloud.core.models import OperatorSession, PlatformAuditEvent, utcnow
from praxcloud.core.security import OPERATOR_COOKIE
from praxcloud.core.tokens import hash_token

from .conftest import OPERATOR_EMAIL, OPERATOR_PASSWORD, csrf_of, operator_login

# Every platform page and action, as (method, path); "acme" exists in the tests that use it.
PLATFORM_ROUTES = [
    ("GET", "/platform/"),
    ("GET", "/platform/tenants"),
    ("POST", "/platform/tenants"),
    ("GET", "/platform/tenants/acme"),
    ("POST", "/platform/tenants/acme/status"),
    ("POST", "/platform/tenants/acme/delete"),
    ("GET", "/platform/tenants/acme/plugins"),
    ("POST", "/platform/tenants/acme/plugins?action=enable"),
    ("POST", "/platform/tenants/acme/plugins?action=disable"),
    ("POST", "/platform/tenants/acme/plugins?action=configure"),
    ("GET", "/platform/plugins"),
    ("GET", "/platform/audit"),
    ("POST", "/platform/logout"),
]


def platform_events(registry, event=None) -> list[PlatformAuditEvent]:
    with registry.tenancy.platform_session() as platform_db:
        query = select(PlatformAuditEvent).order_by(PlatformAuditEvent.id)
        if event:
            query = query.where(PlatformAuditEvent.event == event)
        rows = list(platform_db.scalars(query))
        platform_db.expunge_all()
    return rows


def set_cookie_header(response) -> str:
    headers = [v for k, v in response.headerlist if k.lower() == "set-cookie"
               and v.startswith(OPERATOR_COOKIE + "=")]
    assert len(headers) == 1, response.headerlist
    return headers[0]


def test_login_sets_a_scoped_httponly_cookie_and_audits(testapp, registry, make_operator):
    make_operator()
    response = operator_login(testapp)
    assert response.location == "http://localhost/platform/tenants"
    cookie = set_cookie_header(response)
    assert "Path=/platform" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "secure" not in cookie.lower()
    token = cookie.split(";")[0].split("=", 1)[1]
    with registry.tenancy.platform_session() as platform_db:
        session = platform_db.scalars(select(OperatorSession)).one()
        # Only the hash of the cookie's secret is stored.
        assert session.token_hash == hash_token(token) and session.kind == "operator"
    page = testapp.get("/platform/tenants")
    assert OPERATOR_EMAIL in page.text and "Log out" in page.text
    [event] = platform_events(registry, "operator.login")
    assert (event.outcome, event.actor, event.ip) == ("success", OPERATOR_EMAIL, "127.0.0.1")


@pytest.mark.parametrize("email, password", [
    (OPERATOR_EMAIL, "wrong password here"),
    ("nobody@praxcloud.test", OPERATOR_PASSWORD),
    ("inactive@praxcloud.test", OPERATOR_PASSWORD),
    ("", ""),
    ("nul\x00@praxcloud.test", OPERATOR_PASSWORD),
])
def test_every_failed_login_looks_the_same(testapp, registry, make_operator, email, password):
    make_operator()
    make_operator("inactive@praxcloud.test", active=False)
    response = operator_login(testapp, email, password, status=401)
    assert "The e-mail or password is not right." in response.text
    assert not [v for k, v in response.headerlist
                if k.lower() == "set-cookie" and v.startswith(OPERATOR_COOKIE)]
    assert testapp.get("/platform/tenants").status_int == 303
    [event] = platform_events(registry, "operator.login")
    assert event.outcome == "failure"
    with registry.tenancy.platform_session() as platform_db:
        assert platform_db.scalars(select(OperatorSession)).first() is None


def test_failed_login_is_recorded_with_the_reason_but_not_a_strangers_email(
        testapp, registry, make_operator):
    make_operator()
    make_operator("inactive@praxcloud.test", active=False)
    operator_login(testapp, OPERATOR_EMAIL, "wrong password here", status=401)
    operator_login(testapp, "stranger@example.org", "whatever it is", status=401)
    operator_login(testapp, "inactive@praxcloud.test", OPERATOR_PASSWORD, status=401)
    events = platform_events(registry, "operator.login")
    assert [(e.actor, e.details["reason"]) for e in events] == [
        (OPERATOR_EMAIL, "invalid_credentials"),
        (None, "unknown_operator"),
        ("inactive@praxcloud.test", "inactive"),
    ]
    assert all("stranger" not in repr(e.details) for e in events)


def test_unknown_email_spends_a_dummy_verification(testapp, registry, make_operator,
                                                   monkeypatch):
    make_operator()
    calls = []
    context = registry.password_context
    monkeypatch.setattr(context, "dummy_verify", lambda *a, **k: calls.append(1))
    operator_login(testapp, "ghost@praxcloud.test", "some password", status=401)
    assert calls == [1]


def test_email_is_matched_without_regard_to_case(testapp, make_operator):
    make_operator()
    operator_login(testapp, "  OPS@PraxCloud.test ", OPERATOR_PASSWORD)
    assert testapp.get("/platform/tenants").status_int == 200


def test_login_needs_the_csrf_token(testapp, make_operator):
    make_operator()
    testapp.get("/platform/login")
    testapp.post("/platform/login", {"email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD},
                 status=400)
    assert testapp.get("/platform/tenants").status_int == 303


def test_secure_cookie_when_configured(settings, make_operator, app):
    # The settings fixture is shared: build a second app with secure cookies on.
    import webtest

    from praxcloud import main

    secure_app = main({}, **{**settings, "praxcloud.secure_cookies": "true"})
    try:
        client = webtest.TestApp(secure_app, extra_environ={
            "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "https",
            # Over HTTPS, Pyramid also checks that a POST comes from this origin.
            "HTTP_ORIGIN": "https://localhost"})
        make_operator()
        cookie = set_cookie_header(operator_login(client))
        assert "secure" in cookie.lower() and "Path=/platform" in cookie
    finally:
        secure_app.registry.tenancy.dispose()


@pytest.mark.parametrize("method, path", PLATFORM_ROUTES)
def test_every_platform_route_sends_strangers_to_login(testapp, tenant, method, path):
    response = testapp.request(path, method=method, status=303)
    assert response.location.startswith("http://localhost/platform/login?next=")


def test_login_returns_to_the_page_asked_for(testapp, make_operator, tenant):
    make_operator()
    first = testapp.get("/platform/plugins", status=303)
    assert first.location == "http://localhost/platform/login?next=%2Fplatform%2Fplugins"
    page = testapp.get(first.location)
    assert 'name="next" value="/platform/plugins"' in page.text
    response = testapp.post("/platform/login", {
        "csrf_token": csrf_of(page), "email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD,
        "next": "/platform/plugins"}, status=303)
    assert response.location == "http://localhost/platform/plugins"


@pytest.mark.parametrize("target", [
    "//evil.example/platform/", "https://evil.example/", "/acme/records",
    "/platform/\\evil", "/platform//evil.example",
])
def test_login_never_redirects_outside_the_platform_console(testapp, make_operator, target):
    make_operator()
    page = testapp.get("/platform/login", {"next": target})
    response = testapp.post("/platform/login", {
        "csrf_token": csrf_of(page), "email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD,
        "next": target}, status=303)
    assert response.location == "http://localhost/platform/tenants"


def test_home_goes_to_tenants_and_login_page_skips_for_operators(operator):
    assert operator.get("/platform/").location == "http://localhost/platform/tenants"
    assert operator.get("/platform/login").location == "http://localhost/platform/tenants"


def test_a_new_login_ends_the_session_the_browser_had(testapp, registry, make_operator):
    make_operator()
    operator_login(testapp)
    first = testapp.cookies[OPERATOR_COOKIE]
    page = testapp.get("/platform/tenants")
    testapp.post("/platform/login", {"csrf_token": csrf_of(page), "email": OPERATOR_EMAIL,
                                     "password": OPERATOR_PASSWORD}, status=303)
    assert testapp.cookies[OPERATOR_COOKIE] != first
    with registry.tenancy.platform_session() as platform_db:
        old = platform_db.scalars(select(OperatorSession).where(
            OperatorSession.token_hash == hash_token(first))).one()
        assert old.revoked_at is not None


def test_logout_revokes_the_session_and_clears_the_cookie(operator, registry):
    token = operator.cookies[OPERATOR_COOKIE]
    page = operator.get("/platform/tenants")
    response = operator.post("/platform/logout", {"csrf_token": csrf_of(page)}, status=303)
    assert response.location == "http://localhost/platform/login"
    cleared = set_cookie_header(response)
    assert "Max-Age=0" in cleared and "Path=/platform" in cleared
    # The old secret is dead even if someone kept it.
    operator.set_cookie(OPERATOR_COOKIE, token)
    assert operator.get("/platform/tenants").status_int == 303
    assert [e.actor for e in platform_events(registry, "operator.logout")] == [OPERATOR_EMAIL]


def test_logout_needs_the_csrf_token(operator):
    operator.post("/platform/logout", {}, status=400)
    assert operator.get("/platform/tenants").status_int == 200


def test_an_idle_session_ends(operator, registry):
    with registry.tenancy.platform_session() as platform_db:
        session = platform_db.scalars(select(OperatorSession)).one()
        session.last_seen_at = utcnow() - dt.timedelta(hours=1)
    assert operator.get("/platform/tenants").status_int == 303
