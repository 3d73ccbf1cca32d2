"""Forgot-password within budgets (issue 9): per account, per client address, one live link.

The answer never changes, whether a mail went out or not.
"""

from __future__ import annotations

import threading

import webtest
from sqlalchemy import select

from praxcloud.core.models import PasswordReset
from praxcloud.core.shared_state import build_shared_state
from praxcloud.testing import api_login
from tests.api.conftest import audit_events, tenant_db
from tests.api.samples import NEW_PASSWORD
from tests.api.test_password_reset import mails, reset_token_from

FORGOT = "/api/v1/acme/auth/forgot-password"
RESET = "/api/v1/acme/auth/reset-password"
HOUR = 60 * 60


def forgot(testapp, email: str, address: str = "127.0.0.1"):
    answer = testapp.post_json(FORGOT, {"email": email}, status=202,
                               extra_environ={"REMOTE_ADDR": address})
    return answer.status_int, answer.body, tuple(sorted(
        (k, v) for k, v in answer.headers.items() if k.lower() != "content-length"))


def test_three_mails_an_hour_to_one_account_and_the_same_answer_always(
        fake_clock, testapp, tenant, registry):
    answers = {forgot(testapp, "staff@acme.test", f"10.0.0.{n}") for n in range(1, 11)}
    answers.add(forgot(testapp, "ghost@acme.test"))
    assert len(answers) == 1
    assert [m["To"] for m in mails(registry)] == ["staff@acme.test"] * 3
    requests = audit_events(registry, "acme", "password.reset_request")
    assert [e.details["mailed"] for e in requests] == [True] * 3 + [False] * 8
    fake_clock.advance(HOUR)
    forgot(testapp, "STAFF@acme.test")
    assert len(mails(registry)) == 4


def test_twenty_requests_an_hour_from_one_client_address(fake_clock, testapp, tenant, registry):
    for n in range(20):
        forgot(testapp, f"nobody{n}@acme.test")
    quiet = forgot(testapp, "staff@acme.test")
    assert mails(registry) == []
    assert forgot(testapp, "staff@acme.test", "10.0.0.2") == quiet
    assert [m["To"] for m in mails(registry)] == ["staff@acme.test"]


def test_a_new_link_makes_the_older_one_unusable(fake_clock, testapp, tenant, registry):
    forgot(testapp, "staff@acme.test")
    [first] = [reset_token_from(m) for m in mails(registry)]
    forgot(testapp, "staff@acme.test")
    [second] = [token for token in map(reset_token_from, mails(registry)) if token != first]
    refused = testapp.post_json(RESET, {"token": first, "password": NEW_PASSWORD}, status=400)
    assert refused.json["error"]["code"] == "reset_token_invalid"
    testapp.post_json(RESET, {"token": second, "password": NEW_PASSWORD}, status=204)
    api_login(testapp, "acme", "staff@acme.test", NEW_PASSWORD)


def test_without_the_shared_state_no_mail_and_the_same_answer(testapp, tenant, registry):
    usual = forgot(testapp, "ghost@acme.test")
    registry.shared_state = build_shared_state({
        "praxcloud.shared_state_url": "redis://127.0.0.1:1/0",
        "praxcloud.shared_state_timeout_ms": "200"})
    assert forgot(testapp, "staff@acme.test") == usual
    assert mails(registry) == []


def test_requests_at_once_leave_one_live_link(fake_clock, app, tenant, registry):
    barrier = threading.Barrier(3)
    statuses = []

    def ask():
        client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                                     "REMOTE_ADDR": "127.0.0.1"})
        barrier.wait(timeout=30)
        statuses.append(client.post_json(FORGOT, {"email": "staff@acme.test"},
                                         status="*").status_int)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [202] * 3
    assert len(mails(registry)) == 3
    with tenant_db(registry, "acme") as db:
        live = db.scalars(select(PasswordReset).where(PasswordReset.used_at.is_(None))).all()
    assert len(live) == 1
