"""The owner's unlock link, and what happens when the shared store cannot answer."""

from __future__ import annotations

import pytest

from .conftest import ATTACKER, OWNER, STAFF, retry_after, right, wrong


def guess(testapp, clock, times: int) -> None:
    for _ in range(times):
        wrong(testapp, status=401)
        clock.advance(retry_after(wrong(testapp)))


def test_the_owner_is_mailed_a_link_that_lets_their_address_in(testapp, slowdown_tenant,
                                                               mailbox):
    clock = slowdown_tenant(notify_after_failures=3, account_max_delay_seconds=600)
    guess(testapp, clock, 3)
    mail = mailbox.last(STAFF)
    assert "3 failed attempts in a row" in mail.text
    link = mail.link("/slowdown/unlock/")
    assert len(mailbox.to(STAFF)) == 1
    guess(testapp, clock, 2)
    assert len(mailbox.to(STAFF)) == 1  # mailed once, at the threshold
    wrong(testapp, status=401)
    path = link.split("://", 1)[1].split("/", 1)[1]
    # The owner's address is held back by the account's wait.
    assert retry_after(right(testapp, address=OWNER)) > 0

    # Opening the link changes nothing (a mail scanner may fetch it)...
    page = testapp.get("/" + path, extra_environ={"REMOTE_ADDR": OWNER})
    assert page.headers["Cache-Control"] == "no-store"
    assert retry_after(right(testapp, address=OWNER)) > 0
    # ...pressing its button lets the owner's address in at once.
    done = page.forms["unlock-form"].submit(extra_environ={"REMOTE_ADDR": OWNER})
    assert "no longer slowed down" in done.html.get_text()
    assert right(testapp, address=OWNER).status_int == 200
    # The guesser still waits, and the link works once.
    assert retry_after(wrong(testapp, address=ATTACKER)) > 0
    again = testapp.get("/" + path, extra_environ={"REMOTE_ADDR": OWNER})
    again.forms["unlock-form"].submit(status=400, extra_environ={"REMOTE_ADDR": OWNER})


def test_no_mail_for_a_login_that_is_nobodys(testapp, slowdown_tenant, mailbox):
    slowdown_tenant(notify_after_failures=1)
    wrong(testapp, email="nobody@acme.test", status=401)
    assert mailbox.to("nobody@acme.test") == []


class Unreachable:
    """A store whose every call fails, as a Redis that went away."""

    def __getattr__(self, name):
        from praxcloud.plugin import SharedStateError

        def fail(*args, **kwargs):
            raise SharedStateError("shared state (redis) failed: connection refused")
        return fail


def test_logins_are_refused_when_the_store_cannot_answer(testapp, slowdown_tenant, registry,
                                                         caplog):
    slowdown_tenant()
    registry.shared_state = Unreachable()
    answer = right(testapp, status=503)
    assert answer.json["error"]["code"] == "login_unavailable"
    assert answer.headers["Retry-After"] == "60"
    assert "fail closed" in caplog.text


@pytest.fixture
def fail_open(settings):
    settings["praxcloud.plugin.slowdown.fail_open"] = "true"


def test_the_operator_may_choose_to_fail_open(fail_open, testapp, slowdown_tenant, registry,
                                              caplog):
    slowdown_tenant()
    registry.shared_state = Unreachable()
    assert right(testapp).status_int == 200
    assert "UNLIMITED" in caplog.text
