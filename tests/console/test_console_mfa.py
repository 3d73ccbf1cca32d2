"""The second-factor step of the console login, and required actions after it.

A tiny plugin stands in for the real MFA plugins: it enrols every user in
method ``testcode`` and accepts the code ``123456``.
"""

from __future__ import annotations

import datetime as dt

import pytest
import webtest
from sqlalchemy import select, update

from praxcloud.core.auth import MFA_MAX_FAILURES, SecondFactorFailed
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.models import AuditEvent, LoginChallenge, utcnow
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import CONSOLE_COOKIE
from praxcloud.testing import PASSWORD
from tests.console.conftest import alert_text, login, session_cookie

MFA_COOKIE = "praxcloud_mfa"


class CodePlugin:
    @hookimpl
    def praxcloud_second_factors(self, request, user):
        return ["testcode"]

    @hookimpl
    def praxcloud_verify_second_factor(self, request, user, method, payload):
        if method != "testcode":
            return None
        if payload.get("code") != "123456":
            raise SecondFactorFailed("that code is not right")
        return True


class RequiredActionPlugin:
    @hookimpl
    def praxcloud_authenticated(self, request, user):
        return [{"name": "Confirm your contact details", "route": "console.account"}]


@pytest.fixture
def mfa(registry, tenant):
    registry.plugin_host.register_builtin(CodePlugin(), "test.codes")


def send_code(testapp, page, code: str, status=303):
    form = page.forms["mfa-form"]
    form["code"] = code
    return form.submit(status=status)


def test_password_then_code_logs_in(testapp, mfa):
    answer = login(testapp, "staff@acme.test")
    assert answer.location == "http://localhost/acme/login/mfa"
    assert session_cookie(testapp) is None
    (cookie,) = [v for k, v in answer.headerlist
                 if k == "Set-Cookie" and v.startswith(MFA_COOKIE + "=")]
    flags = cookie.lower()
    assert "httponly" in flags and "path=/acme/login" in flags and "max-age=300" in flags
    page = answer.follow()
    assert "Testcode" in page.text
    assert page.forms["mfa-form"]["method"].value == "testcode"
    done = send_code(testapp, page, "123456")
    assert done.location == "http://localhost/acme/"
    assert session_cookie(testapp)
    assert testapp.get("/acme/").status_int == 200
    assert MFA_COOKIE not in testapp.cookies


def test_wrong_code_is_refused_and_counted(testapp, mfa, registry):
    page = login(testapp, "staff@acme.test").follow()
    wrong = send_code(testapp, page, "000000", status=401)
    assert alert_text(wrong) == "That code is not right."
    assert session_cookie(testapp) is None
    with tenant_request(registry, "acme") as request:
        challenge = request.tenant_db.scalars(select(LoginChallenge)).one()
        assert challenge.failures == 1
        events = list(request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == "mfa.verify")))
        assert [e.outcome for e in events] == ["failure"]
    # The right code still works on the same challenge.
    assert send_code(testapp, wrong, "123456").location == "http://localhost/acme/"


def test_too_many_wrong_codes_end_the_challenge(testapp, mfa):
    page = login(testapp, "staff@acme.test").follow()
    for _ in range(MFA_MAX_FAILURES - 1):
        page = send_code(testapp, page, "000000", status=401)
    last = send_code(testapp, page, "000000")
    assert last.location == "http://localhost/acme/login?notice=mfa_expired"
    assert "That login attempt has ended" in last.follow().text
    # Even the right code is useless now: the challenge is spent.
    testapp.get("/acme/login/mfa", status=303)


def test_a_finished_challenge_cannot_be_replayed(testapp, mfa):
    page = login(testapp, "staff@acme.test").follow()
    mfa_token = testapp.cookies[MFA_COOKIE]
    csrf = page.forms["mfa-form"]["csrf_token"].value
    send_code(testapp, page, "123456")
    testapp.set_cookie(CONSOLE_COOKIE, "")
    testapp.set_cookie(MFA_COOKIE, mfa_token)
    replay = testapp.post("/acme/login/mfa", {"csrf_token": csrf, "method": "testcode",
                                              "code": "123456"}, status=303)
    assert replay.location.endswith("/acme/login?notice=mfa_expired")


def test_an_expired_challenge_sends_back_to_login(testapp, mfa, registry):
    page = login(testapp, "staff@acme.test").follow()
    with tenant_request(registry, "acme") as request:
        request.tenant_db.execute(update(LoginChallenge).values(
            expires_at=utcnow() - dt.timedelta(seconds=1)))
    answer = send_code(testapp, page, "123456")
    assert answer.location.endswith("/acme/login?notice=mfa_expired")
    assert session_cookie(testapp) is None


def test_mfa_page_without_a_challenge_sends_to_login(testapp, mfa):
    assert testapp.get("/acme/login/mfa", status=303).location.endswith(
        "/acme/login?notice=mfa_expired")


def test_unknown_method_and_empty_code_are_refused(testapp, mfa):
    page = login(testapp, "staff@acme.test").follow()
    csrf = page.forms["mfa-form"]["csrf_token"].value
    empty = testapp.post("/acme/login/mfa", {"csrf_token": csrf, "method": "testcode",
                                             "code": ""}, status=422)
    assert alert_text(empty) == "Enter the code."
    other = testapp.post("/acme/login/mfa", {"csrf_token": csrf, "method": "sms",
                                             "code": "123456"}, status=401)
    assert "not available" in alert_text(other)
    assert session_cookie(testapp) is None


def test_mfa_post_needs_csrf(testapp, mfa):
    login(testapp, "staff@acme.test").follow()
    testapp.post("/acme/login/mfa", {"method": "testcode", "code": "123456"}, status=400)
    assert session_cookie(testapp) is None


def test_next_survives_the_second_factor(testapp, mfa):
    answer = login(testapp, "staff@acme.test", next_path="/acme/account")
    assert answer.location == "http://localhost/acme/login/mfa?next=%2Facme%2Faccount"
    assert send_code(testapp, answer.follow(), "123456").location == (
        "http://localhost/acme/account")


@pytest.fixture
def required_action(registry, tenant):
    registry.plugin_host.register_builtin(RequiredActionPlugin(), "test.required")


def test_required_action_confines_the_session_to_its_page(testapp, required_action, registry):
    answer = login(testapp, "staff@acme.test", next_path="/acme/records")
    assert answer.location == "http://localhost/acme/account"
    account = answer.follow()
    assert "Confirm your contact details" in account.text
    for path in ("/acme/", "/acme/records", "/acme/records/new", "/acme/account/sessions"):
        assert testapp.get(path, status=303).location == "http://localhost/acme/account"
    # A change elsewhere is refused the same way, and is not treated as a denial.
    csrf = account.forms["password-form"]["csrf_token"].value
    testapp.post("/acme/records/new", {"csrf_token": csrf, "name": "X"}, status=303)
    with tenant_request(registry, "acme") as request:
        denials = list(request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == "permission.denied")))
    assert denials == []
    # Logging out stays possible.
    out = account.forms["logout-form"].submit(status=303)
    assert out.location.endswith("/acme/login?notice=logged_out")


def test_required_action_after_the_second_factor(testapp, mfa, required_action):
    page = login(testapp, "staff@acme.test").follow()
    assert send_code(testapp, page, "123456").location == "http://localhost/acme/account"


def test_mfa_cookie_is_secure_when_configured(settings, request):
    settings["praxcloud.secure_cookies"] = "true"
    app = request.getfixturevalue("app")
    request.getfixturevalue("mfa")

    browser = webtest.TestApp(app, extra_environ={
        "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "https"})
    form = browser.get("/acme/login").forms["login-form"]
    form["email"] = "staff@acme.test"
    form["password"] = PASSWORD
    answer = form.submit(headers={"Origin": "https://localhost"}, status=303)
    (cookie,) = [v for k, v in answer.headerlist
                 if k == "Set-Cookie" and v.startswith(MFA_COOKIE + "=")]
    assert "secure" in cookie.lower() and "httponly" in cookie.lower()


def test_control_characters_in_the_code_are_refused(testapp, mfa):
    page = login(testapp, "staff@acme.test").follow()
    assert alert_text(send_code(testapp, page, "12\x003456", status=422)) == "Enter the code."


def test_one_challenge_answered_many_times_at_once_opens_one_session(app, testapp, mfa,
                                                                     backend):
    from tests.concurrency import BURST, at_once

    page = login(testapp, "staff@acme.test").follow()
    cookies = dict(testapp.cookies)
    csrf = page.forms["mfa-form"]["csrf_token"].value

    def send():
        client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                                     "REMOTE_ADDR": "127.0.0.1"})
        for name, value in cookies.items():
            client.set_cookie(name, value)
        answer = client.post("/acme/login/mfa", {"csrf_token": csrf, "method": "testcode",
                                                 "code": "123456"}, status=303)
        return answer.location, session_cookie(client)

    answers = at_once([send] * BURST)
    opened = [location for location, cookie in answers if cookie]
    assert opened == ["http://localhost/acme/"]
    assert sorted(location for location, cookie in answers if not cookie) == [
        "http://localhost/acme/login?notice=mfa_expired"] * (BURST - 1)
