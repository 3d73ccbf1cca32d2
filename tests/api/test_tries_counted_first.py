"""Failure limits hold for answers sent at the same moment (issue 9).

A try is counted before its answer is checked (core/tries.py), so a burst
of wrong answers sent at once cannot all pass a limit read before any of
them was counted: at most five wrong passwords are checked on one session,
at most five second-factor answers on one mfa_token.

Plugins that count what reaches them stand in for an attacker's view: each
answer they see is one guess checked. They count and then pass the answer
on (the password) or judge it (the code), as a real backend would.
"""

from __future__ import annotations

import threading

import webtest
from sqlalchemy import select

from praxcloud.core.auth import MFA_MAX_FAILURES, SecondFactorFailed
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.models import AuthSession, LoginChallenge
from praxcloud.core.stepup import MAX_REAUTH_FAILURES
from praxcloud.core.tokens import hash_token
from praxcloud.testing import PASSWORD, bearer
from tests.api.conftest import audit_events, login, tenant_db
from tests.concurrency import BURST, at_once

ME = "/api/v1/acme/me"
REAUTH = "/api/v1/acme/auth/reauth"
CHANGE = "/api/v1/acme/me/password"


class Seen:
    """A thread-safe count of the answers a plugin was asked to check."""

    def __init__(self):
        self._lock = threading.Lock()
        self.answers: list[str] = []

    def add(self, answer: str) -> None:
        with self._lock:
            self.answers.append(answer)


class CountingPasswords:
    """Asked before the core's password backend (which runs last); counts, then passes."""

    def __init__(self):
        self.seen = Seen()

    @hookimpl
    def praxcloud_authenticate(self, request, login, password):
        self.seen.add(password)
        return None


class CountingCodes:
    """A second factor that accepts 123456 and counts every code it checks."""

    def __init__(self):
        self.seen = Seen()

    @hookimpl
    def praxcloud_second_factors(self, request, user):
        return ["testcode"]

    @hookimpl
    def praxcloud_verify_second_factor(self, request, user, method, payload):
        if method != "testcode":
            return None
        self.seen.add(payload.get("code"))
        if payload.get("code") != "123456":
            raise SecondFactorFailed("that code is not right")
        return True


def client(app) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                               "REMOTE_ADDR": "127.0.0.1"})


def the_session(registry, headers) -> AuthSession:
    token = headers["Authorization"].removeprefix("Bearer ")
    with tenant_db(registry, "acme") as db:
        session = db.scalars(select(AuthSession).where(
            AuthSession.token_hash == hash_token(token))).one()
        db.expunge(session)
    return session


def test_a_burst_of_wrong_passwords_checks_five_and_ends_the_session(app, testapp, tenant,
                                                                     registry, backend):
    headers = login(testapp, "acme", "staff@acme.test")
    counting = CountingPasswords()
    registry.plugin_host.register_builtin(counting, "test.counting_passwords")

    def guess(number: int):
        def send():
            return client(app).post_json(REAUTH, {"password": f"guess {number}"},
                                         headers=headers, status="*")
        return send

    answers = at_once([guess(number) for number in range(BURST)])
    assert len(counting.seen.answers) == MAX_REAUTH_FAILURES
    assert {answer.status_int for answer in answers} == {401}
    # Four are refused as wrong; the rest find the session ended (counted after the
    # fifth, or arriving once it was revoked: then the token itself is refused).
    wrong = [a for a in answers if a.json["error"]["code"] == "reauth_failed"
             and "the session has ended" not in a.json["error"]["message"]]
    assert len(wrong) == MAX_REAUTH_FAILURES - 1
    assert {a.json["error"]["code"] for a in answers if a not in wrong} <= {
        "reauth_failed", "unauthorized"}
    session = the_session(registry, headers)
    assert session.revoked_at is not None
    assert session.reauth_failures == MAX_REAUTH_FAILURES
    testapp.get(ME, headers=headers, status=401)
    # The trail has every try: five checked (counted 1..5), the rest refused unchecked.
    details = [event.details for event in audit_events(registry, "acme", "reauth")]
    assert sorted(d["failures"] for d in details if d.get("checked", True)) == [1, 2, 3, 4, 5]


def test_a_burst_of_wrong_current_passwords_changes_nothing(app, testapp, tenant, registry,
                                                            backend):
    headers = login(testapp, "acme", "staff@acme.test")
    counting = CountingPasswords()
    registry.plugin_host.register_builtin(counting, "test.counting_passwords")
    body = {"current_password": "a guess", "new_password": "a brand new pass phrase"}
    answers = at_once([lambda: client(app).post_json(CHANGE, body, headers=headers,
                                                     status="*")] * BURST)
    assert len(counting.seen.answers) == MAX_REAUTH_FAILURES
    # Four refused as wrong (403), the rest find the session ended (401).
    assert sorted(answer.status_int for answer in answers) == (
        [401] * (BURST - MAX_REAUTH_FAILURES + 1) + [403] * (MAX_REAUTH_FAILURES - 1))
    assert the_session(registry, headers).revoked_at is not None
    # The password is still the old one.
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": PASSWORD})


def test_the_right_password_still_clears_the_count(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    for number in range(MAX_REAUTH_FAILURES - 1):
        testapp.post_json(REAUTH, {"password": f"guess {number}"}, headers=headers,
                          status=401)
    assert the_session(registry, headers).reauth_failures == MAX_REAUTH_FAILURES - 1
    testapp.post_json(REAUTH, {"password": PASSWORD}, headers=headers)
    assert the_session(registry, headers).reauth_failures == 0


def mfa_token(testapp) -> str:
    answer = testapp.post_json("/api/v1/acme/auth/login",
                               {"email": "staff@acme.test", "password": PASSWORD}).json
    assert answer["mfa_required"] == ["testcode"]
    return answer["mfa_token"]


def test_a_burst_of_wrong_codes_on_one_mfa_token_checks_five(app, testapp, tenant, registry,
                                                             backend):
    codes = CountingCodes()
    registry.plugin_host.register_builtin(codes, "test.counting_codes")
    token = mfa_token(testapp)

    def guess(number: int):
        def send():
            return client(app).post_json("/api/v1/acme/auth/mfa",
                                         {"mfa_token": token, "method": "testcode",
                                          "code": f"{number:06d}"}, status="*")
        return send

    answers = at_once([guess(number) for number in range(BURST)])
    assert len(codes.seen.answers) == MFA_MAX_FAILURES
    assert {answer.status_int for answer in answers} == {401}
    refused = sorted(answer.json["error"]["code"] for answer in answers)
    assert refused == (["mfa_failed"] * MFA_MAX_FAILURES
                       + ["mfa_token_invalid"] * (BURST - MFA_MAX_FAILURES))
    with tenant_db(registry, "acme") as db:
        challenge = db.scalars(select(LoginChallenge).where(
            LoginChallenge.token_hash == hash_token(token))).one()
        assert challenge.failures == MFA_MAX_FAILURES and challenge.used_at is None
    # Out of tries: even the right code is not checked any more.
    client(app).post_json("/api/v1/acme/auth/mfa", {"mfa_token": token, "method": "testcode",
                                                    "code": "123456"}, status=401)
    assert len(codes.seen.answers) == MFA_MAX_FAILURES


def test_the_right_code_as_the_fifth_try_still_logs_in(testapp, tenant, registry):
    codes = CountingCodes()
    registry.plugin_host.register_builtin(codes, "test.counting_codes")
    token = mfa_token(testapp)
    for number in range(MFA_MAX_FAILURES - 1):
        testapp.post_json("/api/v1/acme/auth/mfa", {"mfa_token": token, "method": "testcode",
                                                    "code": f"{number:06d}"}, status=401)
    answer = testapp.post_json("/api/v1/acme/auth/mfa",
                               {"mfa_token": token, "method": "testcode", "code": "123456"})
    testapp.get(ME, headers=bearer(answer.json["token"]))
    # Spent: a second use of the same token is refused.
    testapp.post_json("/api/v1/acme/auth/mfa", {"mfa_token": token, "method": "testcode",
                                                "code": "123456"}, status=401)
