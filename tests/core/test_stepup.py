"""Step-up: managing users (and, in the plugins, second factors) needs a recent password.

A session older than the re-authentication window must confirm the
password first: the console asks for it and comes back, the API answers
403 ``reauth_required`` until ``POST /auth/reauth``. Wrong passwords are
audited and, after five, end the session.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from praxcloud.core.models import AuthSession, User, utcnow
from praxcloud.core.stepup import MAX_REAUTH_FAILURES, REAUTH_WINDOW
from praxcloud.testing import PASSWORD
from tests.api.conftest import audit_events, login, tenant_db
from tests.api.samples import NEW_PASSWORD
from tests.console.conftest import login as console_login

USERS = "/api/v1/acme/users"
NEW_USER = {"email": "new@acme.test", "groups": ["staff"], "password": NEW_PASSWORD}


def age_sessions(registry, by: dt.timedelta = REAUTH_WINDOW + dt.timedelta(minutes=1)) -> None:
    """Every session of acme began ``by`` ago (and was seen just now, so it is still live).

    Passwords are set back too: a session older than its user's password is dead.
    """
    then = utcnow() - by
    with tenant_db(registry, "acme") as db:
        db.execute(update(User).values(password_changed_at=then - dt.timedelta(seconds=1)))
        db.execute(update(AuthSession).values(created_at=then))


def test_api_asks_an_old_session_to_confirm_the_password(testapp, registry, tenant):
    admin = login(testapp, "acme", "admin@acme.test")
    testapp.post_json(USERS, {**NEW_USER, "email": "fresh@acme.test"}, headers=admin, status=201)
    age_sessions(registry)
    refused = testapp.post_json(USERS, NEW_USER, headers=admin, status=403)
    assert refused.json["error"]["code"] == "reauth_required"

    wrong = testapp.post_json("/api/v1/acme/auth/reauth", {"password": "nope"}, headers=admin,
                              status=401)
    assert wrong.json["error"]["code"] == "reauth_failed"
    until = testapp.post_json("/api/v1/acme/auth/reauth", {"password": PASSWORD},
                              headers=admin).json["reauthenticated_until"]
    assert dt.datetime.fromisoformat(until) > utcnow() + REAUTH_WINDOW - dt.timedelta(minutes=1)
    testapp.post_json(USERS, NEW_USER, headers=admin, status=201)
    assert [e.outcome for e in audit_events(registry, "acme", "reauth")] == [
        "failure", "success"]


def test_five_wrong_passwords_end_the_session(testapp, registry, tenant):
    admin = login(testapp, "acme", "admin@acme.test")
    for attempt in range(1, MAX_REAUTH_FAILURES + 1):
        answer = testapp.post_json("/api/v1/acme/auth/reauth", {"password": f"guess {attempt}"},
                                   headers=admin, status=401)
    assert "session has ended" in answer.json["error"]["message"]
    testapp.get("/api/v1/acme/me", headers=admin, status=401)
    failures = audit_events(registry, "acme", "reauth")
    assert len(failures) == MAX_REAUTH_FAILURES and failures[-1].details["session_ended"]


def test_console_asks_for_the_password_and_comes_back(testapp, registry, tenant):
    console_login(testapp, "admin@acme.test")
    testapp.get("/acme/users/new", status=200)  # the login itself is recent
    age_sessions(registry)
    asked = testapp.get("/acme/users/new", status=303)
    assert asked.location.endswith("/acme/account/confirm?next=%2Facme%2Fusers%2Fnew")
    form = asked.follow().forms["reauth-form"]
    form["password"] = "not it"
    wrong = form.submit(status=422)
    assert "This is not your password." in wrong.text
    form = wrong.forms["reauth-form"]
    form["password"] = PASSWORD
    back = form.submit(status=303)
    assert back.location.endswith("/acme/users/new")
    back.follow(status=200)


def test_a_console_post_on_an_old_session_returns_to_its_form(testapp, registry, tenant):
    console_login(testapp, "admin@acme.test")
    page = testapp.get("/acme/users/2")
    age_sessions(registry)
    form = page.forms["user-edit"]
    form["display_name"] = "Not saved yet"
    asked = form.submit(status=303, headers={"Referer": "http://localhost/acme/users/2"})
    assert asked.location.endswith("/acme/account/confirm?next=%2Facme%2Fusers%2F2")
    with tenant_db(registry, "acme") as db:
        assert db.get(User, 2).display_name != "Not saved yet"
