"""The unlock link mailed to an operator whose login is being guessed: single use, an hour,
and it lets the operator's own address past the login-wide wait (the guesser's keeps its own).
"""

from __future__ import annotations

from .conftest import OPERATOR_EMAIL, OPERATOR_PASSWORD
from .operator_mfa.support import OWNER, attempt, client, configure_login_limits
from .test_auth import platform_events


def retry_after(answer) -> int:
    assert answer.status_int == 429, answer.status
    return int(answer.headers["Retry-After"])


def guess(app, clock, times: int) -> None:
    for _ in range(times):
        assert attempt(app).status_int == 401
        clock.advance(retry_after(attempt(app)))


def link_path(mailbox) -> str:
    link = mailbox.last(OPERATOR_EMAIL).link("/platform/login/unlock/")
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_the_operator_is_mailed_a_link_that_lets_their_address_in(
        app, make_operator, registry, fake_clock, mailbox, backend):
    make_operator()
    configure_login_limits(registry, notify_after_failures=3, account_max_delay_seconds=600)
    guess(app, fake_clock, 3)
    mail = mailbox.last(OPERATOR_EMAIL)
    assert "3 failed attempts in a row" in mail.text
    assert len(mailbox.to(OPERATOR_EMAIL)) == 1
    guess(app, fake_clock, 2)
    assert len(mailbox.to(OPERATOR_EMAIL)) == 1  # mailed once, at the threshold
    assert attempt(app).status_int == 401
    path = link_path(mailbox)
    [mailed] = platform_events(registry, "operator.unlock_mailed")
    assert (mailed.actor, mailed.details) == (OPERATOR_EMAIL, {"failures": 3})
    # The owner's address is held back by the login-wide wait.
    assert retry_after(attempt(app, OPERATOR_PASSWORD, address=OWNER)) > 30

    owner = client(app, REMOTE_ADDR=OWNER)
    # Opening the link changes nothing (a mail scanner may fetch it)...
    page = owner.get(path)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert retry_after(attempt(app, OPERATOR_PASSWORD, address=OWNER)) > 0
    # ...pressing its button lets the owner's address in at once.
    done = page.forms["unlock-form"].submit()
    assert "no longer slowed down" in done.text
    assert len(platform_events(registry, "operator.unlocked")) == 1
    assert attempt(app, OPERATOR_PASSWORD, address=OWNER).status_int == 303
    # The guesser still waits, and the link works once.
    assert retry_after(attempt(app)) > 0
    again = owner.get(path)
    spent = again.forms["unlock-form"].submit(status=400)
    assert "has already been used" in spent.text


def test_a_trusted_address_skips_the_login_wide_wait_for_a_day(app, make_operator, registry,
                                                             fake_clock, mailbox):
    make_operator()
    configure_login_limits(registry, notify_after_failures=1, account_max_delay_seconds=600)
    assert attempt(app).status_int == 401
    fake_clock.advance(2)
    owner = client(app, REMOTE_ADDR=OWNER)
    owner.get(link_path(mailbox)).forms["unlock-form"].submit()
    # More guessing closes the login-wide gate for longer; the owner's address skips it.
    guess(app, fake_clock, 4)
    assert attempt(app).status_int == 401
    assert attempt(app, address=OWNER).status_int == 401
    fake_clock.advance(2)
    assert attempt(app, OPERATOR_PASSWORD, address=OWNER).status_int == 303
    # A day later the address is no longer vouched for.
    fake_clock.advance(24 * 3600 + 1)
    guess(app, fake_clock, 4)
    assert attempt(app).status_int == 401
    assert retry_after(attempt(app, OPERATOR_PASSWORD, address=OWNER)) > 2


def test_the_link_expires_after_an_hour(app, make_operator, registry, fake_clock, mailbox):
    make_operator()
    configure_login_limits(registry, notify_after_failures=1)
    assert attempt(app).status_int == 401
    page = client(app, REMOTE_ADDR=OWNER).get(link_path(mailbox))
    fake_clock.advance(60 * 60 + 1)
    expired = page.forms["unlock-form"].submit(status=400)
    assert "invalid, has expired or has already been used" in expired.text
    assert platform_events(registry, "operator.unlocked") == []


def test_a_made_up_link_unlocks_nothing(testapp, make_operator):
    make_operator()
    page = testapp.get("/platform/login/unlock/not-a-token-anybody-was-sent")
    page.forms["unlock-form"].submit(status=400)


def test_no_mail_for_a_login_that_is_nobodys_or_inactive(app, make_operator, registry,
                                                        fake_clock, mailbox):
    make_operator("inactive@praxcloud.test", active=False)
    configure_login_limits(registry, notify_after_failures=1)
    assert attempt(app, email="nobody@praxcloud.test").status_int == 401
    assert attempt(app, email="inactive@praxcloud.test").status_int == 401
    assert len(mailbox) == 0
    assert platform_events(registry, "operator.unlock_mailed") == []
