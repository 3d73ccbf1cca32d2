"""An operator's wrong passwords sent at once are checked at most five times (issue 9).

The try is counted before the password is checked (confirm_views._take_try),
so a burst on one session cannot pass the limit before any of it was counted.
"""

from __future__ import annotations

import threading

import webtest
from sqlalchemy import select

from praxcloud.core.models import OperatorSession
from praxcloud.core.platform_console import auth_views
from praxcloud.core.stepup import MAX_REAUTH_FAILURES
from tests.concurrency import BURST, at_once

from .conftest import OPERATOR_PASSWORD, csrf_of
from .test_stepup import age_operator_sessions


def test_a_burst_of_wrong_operator_passwords_checks_five_and_ends_the_session(
        app, operator, registry, backend, monkeypatch):
    age_operator_sessions(registry)
    token = csrf_of(operator.get("/platform/confirm"))
    cookies = dict(operator.cookies)
    checked: list[str] = []
    lock = threading.Lock()
    verify = auth_views.verify_and_update

    def counting_verify(context, password, stored):
        with lock:
            checked.append(password)
        return verify(context, password, stored)

    monkeypatch.setattr(auth_views, "verify_and_update", counting_verify)

    def guess(number: int):
        def send():
            client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                                         "REMOTE_ADDR": "127.0.0.1"})
            for name, value in cookies.items():
                client.set_cookie(name, value)
            return client.post("/platform/confirm", {"csrf_token": token,
                                                     "password": f"guess {number}"}, status="*")
        return send

    answers = at_once([guess(number) for number in range(BURST)])
    assert len(checked) == MAX_REAUTH_FAILURES
    # Four refused on the form; the rest sent to log in again (the session has ended).
    assert sorted(answer.status_int for answer in answers) == (
        [303] * (BURST - MAX_REAUTH_FAILURES + 1) + [422] * (MAX_REAUTH_FAILURES - 1))
    # (Those arriving once the session was revoked are sent there as logged out.)
    assert all(answer.location.startswith("http://localhost/platform/login")
               for answer in answers if answer.status_int == 303)
    with registry.tenancy.platform_session() as db:
        (session,) = db.scalars(select(OperatorSession)).all()
        assert session.revoked_at is not None
        assert session.reauth_failures == MAX_REAUTH_FAILURES
    # Over: even the right password needs a new login now.
    assert "/platform/login" in operator.post(
        "/platform/confirm", {"csrf_token": token, "password": OPERATOR_PASSWORD},
        status=303).location
