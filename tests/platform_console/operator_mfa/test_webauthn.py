"""Operators' security keys: registration, the login's second step, single-use challenges, RP id.

A software key (``soft_webauthn``, as in tests/plugins/mfa_webauthn) plays
the browser and the authenticator; it reads the options the pages carry in
``data-options`` as webauthn.js does.
"""

from __future__ import annotations

import json
import threading

from sqlalchemy import select

from praxcloud.core.models import OperatorSession, OperatorWebauthnKey
from praxcloud.core.security import OPERATOR_COOKIE
from tests.plugins.mfa_webauthn.conftest import Key

from ..conftest import OPERATOR_PASSWORD, csrf_of, operator_login
from ..test_auth import platform_events
from .support import client, data_options, password_step


def add_key(testapp, key: Key | None = None, name: str = "Blue key", status=303):
    key = key or Key()
    page = testapp.get("/platform/account/security/keys/new")
    credential = key.register(json.loads(data_options(page)))
    testapp.post("/platform/account/security/keys/new", {
        "csrf_token": csrf_of(page), "name": name, "credential": json.dumps(credential)},
        status=status)
    return key


def key_answer(testapp, key: Key) -> tuple[str, dict]:
    """The second-step page's CSRF token and the key's answer to its challenge."""
    page = testapp.get("/platform/login/second-factor")
    return csrf_of(page), key.assert_(json.loads(data_options(page)))


def test_register_a_key_then_log_in_with_it(operator, registry, backend):
    key = add_key(operator)
    with registry.tenancy.platform_session() as db:
        row = db.scalars(select(OperatorWebauthnKey)).one()
        assert row.name == "Blue key" and row.transports == ["usb"]
    assert "Blue key" in operator.get("/platform/account/security").text
    operator.reset()
    password_step(operator)
    token, answer = key_answer(operator, key)
    done = operator.post("/platform/login/second-factor", {
        "csrf_token": token, "method": "webauthn", "credential": json.dumps(answer)}, status=303)
    assert done.location == "http://localhost/platform/tenants"
    assert operator.get("/platform/tenants").status_int == 200
    events = [(e.event, e.outcome, e.details.get("method")) for e in platform_events(registry)]
    assert events[-1] == ("operator.login", "success", "webauthn")
    assert ("operator.key_add", "success", None) in events


def test_an_answer_is_used_once(operator, registry, backend):
    key = add_key(operator)
    operator.reset()
    password_step(operator)
    token, answer = key_answer(operator, key)
    fields = {"csrf_token": token, "method": "webauthn", "credential": json.dumps(answer)}
    operator.post("/platform/login/second-factor", fields, status=303)
    # The same answer again, on a new pending login: its challenge is spent.
    operator.reset()
    password_step(operator)
    fields["csrf_token"] = csrf_of(operator.get("/platform/login/second-factor"))
    replayed = operator.post("/platform/login/second-factor", fields, status=401)
    assert "unknown, expired or already used" in replayed.text
    assert OPERATOR_COOKIE not in operator.cookies


def test_the_same_answer_sent_at_once_opens_one_session(app, operator, registry, backend):
    key = add_key(operator)
    operator.reset()
    password_step(operator)
    token, answer = key_answer(operator, key)
    fields = {"csrf_token": token, "method": "webauthn", "credential": json.dumps(answer)}
    cookies = dict(operator.cookies)
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def send():
        browser = client(app)
        for name, value in cookies.items():
            browser.set_cookie(name, value)
        barrier.wait()
        statuses.append(browser.post("/platform/login/second-factor", fields,
                                     status="*").status_int)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # The others find the challenge spent (401), or, arriving after the winner's
    # commit, the pending login gone too (409, "log in again").
    assert sorted(statuses)[0] == 303 and len(statuses) == 6, statuses
    assert set(sorted(statuses)[1:]) <= {401, 409}, statuses
    with registry.tenancy.platform_session() as db:
        # The fixture's own login and exactly one more.
        assert len(list(db.scalars(select(OperatorSession)))) == 2


def test_the_relying_party_is_the_base_url_never_the_host_header(operator):
    # The cookie jar keeps to localhost: hand the session cookie over by hand.
    forged = {"HTTP_HOST": "evil.example",
              "HTTP_COOKIE": f"{OPERATOR_COOKIE}={operator.cookies[OPERATOR_COOKIE]}"}
    page = operator.get("/platform/account/security/keys/new", extra_environ=forged)
    options = json.loads(data_options(page))
    assert options["rp"]["id"] == "localhost"
    # A key answering for the forged host's origin is refused.
    credential = Key().register(options, origin="http://evil.example")
    refused = operator.post("/platform/account/security/keys/new", {
        "csrf_token": csrf_of(page), "name": "Evil", "credential": json.dumps(credential)},
        status=422)
    assert "was not accepted" in refused.text


def test_a_key_of_another_operator_is_refused(app, operator, make_operator, backend):
    add_key(operator)
    make_operator("second@praxcloud.test")
    other = client(app)
    operator_login(other, "second@praxcloud.test")
    stranger_key = add_key(other)
    # The first operator's login, answered by the second operator's key.
    operator.reset()
    password_step(operator)
    page = operator.get("/platform/login/second-factor")
    options = json.loads(data_options(page))
    options["allowCredentials"] = []
    stranger_key.rp_id = options["rpId"]
    answer = stranger_key.assert_(options)
    refused = operator.post("/platform/login/second-factor", {
        "csrf_token": csrf_of(page), "method": "webauthn", "credential": json.dumps(answer)},
        status=401)
    assert "not registered for the account" in refused.text


def test_removing_a_key_needs_the_password(operator, registry):
    add_key(operator)
    with registry.tenancy.platform_session() as db:
        key_id = db.scalars(select(OperatorWebauthnKey.id)).one()
    page = operator.get("/platform/account/security")
    url = f"/platform/account/security/keys/{key_id}/remove"
    operator.post(url, {"csrf_token": csrf_of(page), "password": "wrong"}, status=422)
    operator.post(url, {"csrf_token": csrf_of(page), "password": OPERATOR_PASSWORD}, status=303)
    with registry.tenancy.platform_session() as db:
        assert db.scalars(select(OperatorWebauthnKey)).first() is None
    assert [e.details["name"] for e in platform_events(registry, "operator.key_remove")] == [
        "Blue key"]


def test_a_malformed_answer_is_a_message_not_an_error(operator):
    add_key(operator)
    operator.reset()
    password_step(operator)
    page = operator.get("/platform/login/second-factor")
    for credential in ("", "not json", "[]", json.dumps({"response": {}}), "{" * 5000):
        refused = operator.post("/platform/login/second-factor", {
            "csrf_token": csrf_of(page), "method": "webauthn", "credential": credential},
            status=401)
        assert 'id="second-factor-error"' in refused.text
