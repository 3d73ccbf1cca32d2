"""The console login form: credentials, refusals, cookies, rotation, redirects, CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from praxcloud.core.auth import LoginRefused
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.models import AuditEvent, AuthSession, User
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import CONSOLE_COOKIE
from praxcloud.testing import PASSWORD
from tests.console.conftest import alert_text, login, session_cookie

INVALID = "The e-mail address or password is not right."


def set_cookie_headers(response, name: str) -> list[str]:
    return [v for k, v in response.headerlist if k == "Set-Cookie" and v.startswith(name + "=")]


def test_login_opens_a_session_and_lands_on_the_dashboard(testapp, tenant):
    page = testapp.get("/acme/login")
    assert page.status_int == 200
    assert page.forms["login-form"]["csrf_token"].value
    answer = login(testapp, "staff@acme.test")
    assert answer.location == "http://localhost/acme/"
    home = answer.follow()
    assert "Welcome" in home.text and "staff@acme.test" in home.text
    assert home.html.find(id="logout-form") is not None


def test_session_cookie_flags_without_secure_cookies(testapp, tenant):
    answer = login(testapp, "staff@acme.test")
    (cookie,) = set_cookie_headers(answer, CONSOLE_COOKIE)
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=lax" in flags and "path=/acme" in flags
    assert "secure" not in flags


@pytest.fixture
def secure_settings(settings):
    settings["praxcloud.secure_cookies"] = "true"
    return settings


def test_session_cookie_is_secure_when_configured(secure_settings, tenant, app):
    import webtest

    browser = webtest.TestApp(app, extra_environ={
        "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "https"})
    page = browser.get("/acme/login")
    (csrf_cookie,) = set_cookie_headers(page, "praxcloud_csrf")
    assert "secure" in csrf_cookie.lower() and "httponly" in csrf_cookie.lower()
    form = page.forms["login-form"]
    form["email"] = "staff@acme.test"
    form["password"] = PASSWORD
    # Browsers send the page's origin on a same-origin form post (Referrer-Policy same-origin).
    assert page.headers["Referrer-Policy"] == "same-origin"
    answer = form.submit(headers={"Origin": "https://localhost"}, status=303)
    (cookie,) = set_cookie_headers(answer, CONSOLE_COOKIE)
    flags = cookie.lower()
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
    assert browser.get("/acme/").status_int == 200
    # Over HTTPS a post from a foreign origin is refused even with the right token.
    logout = browser.get("/acme/").forms["logout-form"]
    refused = logout.submit(headers={"Origin": "https://evil.example"}, status=400)
    assert "Please try again" in refused.text


@pytest.mark.parametrize("email, password", [
    ("staff@acme.test", "wrong password!"),
    ("ghost@acme.test", PASSWORD),
    ("inactive@acme.test", PASSWORD),
])
def test_failed_login_answers_alike_and_keeps_the_email(testapp, tenant, make_user, registry,
                                                        email, password):
    make_user("acme", "inactive@acme.test")
    with tenant_request(registry, "acme") as request:
        request.tenant_db.execute(
            update(User).where(User.email == "inactive@acme.test").values(is_active=False))
    answer = login(testapp, email, password, status=401)
    assert alert_text(answer) == INVALID
    assert answer.forms["login-form"]["email"].value == email
    assert session_cookie(testapp) is None
    with tenant_request(registry, "acme") as request:
        failures = list(request.tenant_db.scalars(select(AuditEvent).where(
            AuditEvent.event == "login", AuditEvent.outcome == "failure")))
    assert [f.target for f in failures] == [email]


def test_failure_pages_are_identical_for_unknown_and_wrong(testapp, tenant):
    def body(email, password):
        page = login(testapp, email, password, status=401)
        form = page.html.find(id="login-form")
        form.find("input", attrs={"name": "csrf_token"}).decompose()
        form.find("input", attrs={"name": "email"})["value"] = ""
        return str(page.html.find("main"))

    assert body("staff@acme.test", "not the password") == body("nobody@acme.test", "x")


def test_empty_fields_are_a_form_error(testapp, tenant):
    form = testapp.get("/acme/login").forms["login-form"]
    form["email"] = "staff@acme.test"
    answer = form.submit(status=422)
    assert "Enter your e-mail address and your password." in alert_text(answer)
    assert answer.forms["login-form"]["email"].value == "staff@acme.test"


def relogin(testapp, email: str):
    """Send the login form again from a browser that is still logged in."""
    token = testapp.get("/acme/").forms["logout-form"]["csrf_token"].value
    return testapp.post("/acme/login", {"csrf_token": token, "email": email,
                                        "password": PASSWORD}, status=303)


def test_session_id_rotates_at_every_login(testapp, tenant):
    login(testapp, "staff@acme.test")
    first = session_cookie(testapp)
    relogin(testapp, "staff@acme.test")
    second = session_cookie(testapp)
    assert first and second and second != first
    testapp.set_cookie(CONSOLE_COOKIE, first)
    assert testapp.get("/acme/", status=303).location.startswith("http://localhost/acme/login")
    testapp.set_cookie(CONSOLE_COOKIE, second)
    assert testapp.get("/acme/").status_int == 200


def test_a_planted_session_id_is_never_adopted(testapp, tenant):
    planted = "attacker-chosen-session-id-0123456789"
    testapp.set_cookie(CONSOLE_COOKIE, planted)
    login(testapp, "staff@acme.test")
    assert session_cookie(testapp) not in (None, planted)
    testapp.set_cookie(CONSOLE_COOKIE, planted)
    testapp.get("/acme/", status=303)


def test_login_while_logged_in_ends_the_previous_session(testapp, tenant, registry):
    login(testapp, "staff@acme.test")
    first = session_cookie(testapp)
    # The browser still holds the live session and logs in as someone else.
    answer = relogin(testapp, "admin@acme.test")
    second = session_cookie(testapp)
    assert answer.location == "http://localhost/acme/" and second != first
    with tenant_request(registry, "acme") as request:
        rows = list(request.tenant_db.scalars(select(AuthSession).order_by(AuthSession.id)))
    assert [r.revoked_at is not None for r in rows] == [True, False]
    assert rows[0].user.email == "staff@acme.test" and rows[1].user.email == "admin@acme.test"


def test_logged_out_visitor_is_sent_to_login_and_back(testapp, tenant):
    answer = testapp.get("/acme/records?q=ann", status=303)
    assert answer.location.startswith("http://localhost/acme/login?next=")
    page = answer.follow()
    assert page.forms["login-form"]["next"].value == "/acme/records?q=ann"
    form = page.forms["login-form"]
    form["email"] = "staff@acme.test"
    form["password"] = PASSWORD
    assert form.submit(status=303).location == "http://localhost/acme/records?q=ann"


def test_next_keeps_a_same_tenant_query(testapp, tenant):
    answer = login(testapp, "staff@acme.test", next_path="/acme/records%3Fq%3Dann")
    assert answer.location == "http://localhost/acme/records?q=ann"


@pytest.mark.parametrize("target", [
    "https://evil.example/acme/",
    "//evil.example/acme/",
    "/\\evil.example/",
    "/beta/records",
    "/acme/../beta/",
    "/acme/%2e%2e/beta/",
    "/acmeother/",
    "javascript:alert(1)",
    "/api/v1/acme/me",
])
def test_next_never_leaves_the_tenant(testapp, tenant, target):
    form = testapp.get("/acme/login").forms["login-form"]
    form["email"] = "staff@acme.test"
    form["password"] = PASSWORD
    answer = testapp.post("/acme/login", {
        "csrf_token": form["csrf_token"].value, "email": "staff@acme.test",
        "password": PASSWORD, "next": target}, status=303)
    assert answer.location == "http://localhost/acme/"


def test_login_refused_by_a_plugin_answers_its_status_and_retry_after(testapp, tenant, registry):
    class Slowdown:
        @hookimpl
        def praxcloud_pre_authenticate(self, request, login):
            return LoginRefused("too many failed attempts", retry_after=16)

    registry.plugin_host.register_builtin(Slowdown(), "test.slowdown")
    answer = login(testapp, "staff@acme.test", status=429)
    assert answer.headers["Retry-After"] == "16"
    assert alert_text(answer) == "Too many failed attempts. Please try again in 16 seconds."
    assert answer.forms["login-form"]["email"].value == "staff@acme.test"
    assert session_cookie(testapp) is None


def test_missing_or_wrong_csrf_token_is_a_clear_400(testapp, tenant):
    page = testapp.get("/acme/login")
    missing = testapp.post("/acme/login", {"email": "staff@acme.test", "password": PASSWORD},
                           status=400)
    wrong = testapp.post("/acme/login", {"email": "staff@acme.test", "password": PASSWORD,
                                         "csrf_token": "forged"}, status=400)
    for answer in (missing, wrong):
        assert answer.content_type == "text/html"
        assert "Your form has expired or did not come from this site" in answer.text
    assert session_cookie(testapp) is None
    # Without its cookie, the anonymous token of a page is worth nothing.
    token = page.forms["login-form"]["csrf_token"].value
    testapp.reset()
    testapp.post("/acme/login", {"email": "staff@acme.test", "password": PASSWORD,
                                 "csrf_token": token}, status=400)


def test_overlong_password_is_refused_without_hashing(testapp, tenant):
    answer = login(testapp, "staff@acme.test", "x" * 5000, status=401)
    assert alert_text(answer) == INVALID


def test_login_pages_of_an_unknown_tenant_are_404(testapp, tenant):
    answer = testapp.get("/nosuch/login", status=404)
    assert "Page not found" in answer.text


def test_control_characters_in_the_email_are_refused_not_500(testapp, tenant):
    form = testapp.get("/acme/login").forms["login-form"]
    answer = testapp.post("/acme/login", {"csrf_token": form["csrf_token"].value,
                                          "email": "staff\x00@acme.test", "password": PASSWORD},
                          status=401)
    assert alert_text(answer) == INVALID
