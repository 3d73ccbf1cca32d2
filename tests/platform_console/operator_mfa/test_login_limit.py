"""The operator login's back-off: 2, 4, 16 s ... per login and address, a low cap for the login
from anywhere, a budget per address, second-factor answers counted, fail closed.

The shared state runs on a clock the test moves (``fake_clock``): a wait of
16 seconds passes when the test says so, never by sleeping. The
cross-process test runs real processes (``multiprocessing``, spawned)
against one Redis: however they race, one attempt passes a closed gate.
"""

from __future__ import annotations

import multiprocessing
import queue
import uuid

import pytest

from praxcloud import main
from praxcloud.core.settings import SettingsError
from praxcloud.core.shared_state import build_shared_state
from praxcloud.testing import REDIS_URL, need
from tests.shared_state.test_shared_state import redis_cleanup

from ..conftest import OPERATOR_EMAIL, OPERATOR_PASSWORD, csrf_of, operator_login
from ..test_auth import platform_events
from .support import (
    OWNER,
    WRONG,
    attempt,
    client,
    configure_login_limits,
    enrol_totp,
    password_step,
    second_step,
)


def retry_after(answer) -> int:
    assert answer.status_int == 429, answer.status
    assert "Too many login attempts." in answer.text
    return int(answer.headers["Retry-After"])


def fail_and_wait(app, clock, times: int, **kwargs) -> list[int]:
    """``times`` wrong passwords, each followed by an early attempt and the wait it is told."""
    waits = []
    for _ in range(times):
        assert attempt(app, **kwargs).status_int == 401
        waits.append(retry_after(attempt(app, **kwargs)))
        clock.advance(waits[-1])
    return waits


def test_each_failure_makes_the_next_attempt_wait_longer_up_to_the_cap(
        app, make_operator, fake_clock, backend):
    make_operator()
    assert fail_and_wait(app, fake_clock, 6) == [2, 4, 16, 64, 256, 900]
    assert attempt(app).status_int == 401
    assert retry_after(attempt(app)) == 900
    # A second before the wait is over: still refused, with the second left.
    fake_clock.advance(899)
    assert retry_after(attempt(app, OPERATOR_PASSWORD)) == 1
    fake_clock.advance(1)
    assert attempt(app, OPERATOR_PASSWORD).status_int == 303


def test_a_refused_attempt_is_not_checked_and_the_page_counts_down(
        app, make_operator, registry, fake_clock):
    make_operator()
    assert attempt(app).status_int == 401
    refused = attempt(app, OPERATOR_PASSWORD)
    assert retry_after(refused) == 2
    # The tenant console's countdown: the seconds in a span, the form named, the script.
    assert 'data-retry-after="2" data-retry-form="login-form"' in refused.text
    assert 'Please try again in <span class="countdown">2</span> seconds.' in refused.text
    assert 'id="login-form"' in refused.text
    assert "/static/countdown." in refused.text
    assert retry_after(attempt(app)) == 2
    # One wrong password checked, no more; the first refusal of the run audited, once.
    assert len(platform_events(registry, "operator.login")) == 1
    [event] = platform_events(registry, "operator.login_limited")
    assert (event.outcome, event.actor) == ("failure", None)
    assert event.details == {"retry_after": 2, "limit": "login_and_address"}


def test_the_login_is_gated_whatever_its_case_and_unknown_logins_alike(app, make_operator,
                                                                      fake_clock):
    make_operator()
    assert attempt(app, email=OPERATOR_EMAIL.upper()).status_int == 401
    assert retry_after(attempt(app, OPERATOR_PASSWORD, f"  {OPERATOR_EMAIL.title()} ")) == 2
    assert attempt(app, email="nobody@praxcloud.test").status_int == 401
    assert retry_after(attempt(app, email="nobody@praxcloud.test")) == 2


def test_an_outsider_cannot_push_the_owners_wait_above_the_logins_cap(app, make_operator,
                                                                      fake_clock):
    make_operator()
    fail_and_wait(app, fake_clock, 6)
    # The guesser's own address waits long...
    assert attempt(app).status_int == 401
    assert retry_after(attempt(app)) == 900
    # ...the owner, from elsewhere, 30 s at most, however long the guessing goes on.
    assert 0 < retry_after(attempt(app, OPERATOR_PASSWORD, address=OWNER)) <= 30
    fake_clock.advance(30)
    assert attempt(app, OPERATOR_PASSWORD, address=OWNER).status_int == 303
    # The owner's login forgets the login-wide gate, not the guesser's own.
    assert retry_after(attempt(app)) > 800


def test_one_address_trying_many_logins_runs_out_of_its_budget(app, fake_clock, registry):
    configure_login_limits(registry, address_budget=3, address_window_seconds=600)
    for number in range(3):
        assert attempt(app, email=f"ops{number}@praxcloud.test").status_int == 401
    refused = attempt(app, email="ops9@praxcloud.test")
    assert retry_after(refused) == 600
    [event] = platform_events(registry, "operator.login_limited")
    assert event.details["limit"] == "address"
    # Another address is not held back by it; a refused attempt did not spend more of it.
    assert attempt(app, email="ops9@praxcloud.test", address=OWNER).status_int == 401
    fake_clock.advance(600)
    assert attempt(app, email="ops9@praxcloud.test").status_int == 401


def test_a_completed_login_starts_the_schedule_again(app, make_operator, fake_clock):
    make_operator()
    fail_and_wait(app, fake_clock, 4)
    assert attempt(app, OPERATOR_PASSWORD).status_int == 303
    assert attempt(app).status_int == 401
    assert retry_after(attempt(app)) == 2


def test_the_schedule_follows_its_settings(app, make_operator, fake_clock, registry):
    make_operator()
    configure_login_limits(registry, delays_seconds="5, 7", growth_factor=3.0, max_delay_seconds=50,
              account_max_delay_seconds=3600)
    assert fail_and_wait(app, fake_clock, 5) == [5, 7, 21, 50, 50]


def test_start_up_refuses_a_schedule_it_cannot_use(settings):
    with pytest.raises(SettingsError, match="praxcloud.operator_login_delays_seconds"):
        main({}, **{**settings, "praxcloud.operator_login_delays_seconds": "2 soon"})
    with pytest.raises(SettingsError, match="praxcloud.operator_login_growth_factor"):
        main({}, **{**settings, "praxcloud.operator_login_growth_factor": "0.5"})


# Second factors -----------------------------------------------------------------------

def test_second_factor_answers_are_limited_per_operator(testapp, app, make_operator, registry,
                                                       clock, fake_clock, mailbox):
    make_operator()
    operator_login(testapp)
    secret = enrol_totp(testapp, clock)
    testapp.reset()
    password_step(testapp)
    right = clock.code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    # A mistyped code may be typed again at once...
    for _ in range(6):
        second_step(testapp, {"method": "totp", "code": wrong}, status=401)
    # ...but not beyond the operator's answers, from another pending login and address either.
    other = client(app, REMOTE_ADDR=OWNER)
    password_step(other)
    for _ in range(4):
        second_step(other, {"method": "totp", "code": wrong}, status=401)
    refused = second_step(testapp, {"method": "totp", "code": right}, status=429)
    assert refused.headers["Retry-After"] == "900"
    assert 'data-retry-after="900" data-retry-form="totp-form"' in refused.text
    assert '<span class="countdown">900</span>' in refused.text
    assert "/static/countdown." in refused.text
    assert testapp.get("/platform/tenants").status_int == 303
    [event] = platform_events(registry, "operator.login_limited")
    assert (event.actor, event.details["limit"]) == (OPERATOR_EMAIL, "second_factor")
    assert "known to someone" in mailbox.last(OPERATOR_EMAIL).subject
    second_step(other, {"method": "totp", "code": right}, status=429)
    assert len(mailbox.to(OPERATOR_EMAIL)) == 1
    # Once the window is over, the right code completes the login...
    fake_clock.advance(900)
    second_step(testapp, {"method": "totp", "code": right})
    assert testapp.get("/platform/tenants").status_int == 200
    # ...which starts the count again.
    testapp.reset()
    password_step(testapp)
    second_step(testapp, {"method": "totp", "code": wrong}, status=401)


def test_wrong_codes_do_not_slow_the_password_down(testapp, make_operator, clock, fake_clock):
    make_operator()
    operator_login(testapp)
    secret = enrol_totp(testapp, clock)
    testapp.reset()
    password_step(testapp)
    wrong = f"{(int(clock.code(secret)) + 1) % 1_000_000:06d}"
    second_step(testapp, {"method": "totp", "code": wrong}, status=401)
    testapp.reset()
    password_step(testapp)


def test_passwords_to_remove_a_factor_are_counted_with_the_answers(
        testapp, make_operator, registry, clock, fake_clock):
    make_operator()
    operator_login(testapp)
    enrol_totp(testapp, clock)
    configure_login_limits(registry, second_factor_answers=2)
    url = "/platform/account/security/totp/remove"
    for _ in range(2):
        page = testapp.get("/platform/account/security")
        testapp.post(url, {"csrf_token": csrf_of(page), "password": WRONG}, status=422)
    page = testapp.get("/platform/account/security")
    refused = testapp.post(url, {"csrf_token": csrf_of(page), "password": OPERATOR_PASSWORD},
                           status=429)
    assert "Too many login attempts. Please try again in 900 seconds." in refused.text


# The store cannot answer ---------------------------------------------------------------

class Unreachable:
    """A store whose every call fails, as a Redis that went away."""

    def namespace(self, name):
        return self

    def __getattr__(self, name):
        from praxcloud.core.errors import SharedStateError

        def fail(*args, **kwargs):
            raise SharedStateError("shared state (redis) failed: connection refused")
        return fail


def test_logins_are_refused_when_the_store_cannot_answer(testapp, make_operator, registry,
                                                        caplog):
    make_operator()
    registry.shared_state = Unreachable()
    refused = operator_login(testapp, status=503)
    assert "Logging in is not possible right now" in refused.text
    assert refused.headers["Retry-After"] == "60"
    assert "fail closed" in caplog.text
    assert testapp.get("/platform/tenants").status_int == 303
    assert platform_events(registry, "operator.login") == []


def test_an_unreachable_redis_refuses_every_login(testapp, make_operator, registry):
    make_operator()
    registry.shared_state = build_shared_state({
        "praxcloud.shared_state_url": "redis://127.0.0.1:1/0",
        "praxcloud.shared_state_timeout_ms": "200"})
    operator_login(testapp, status=503)


def test_second_factor_answers_are_refused_when_the_store_cannot_answer(
        testapp, make_operator, registry, clock):
    make_operator()
    operator_login(testapp)
    secret = enrol_totp(testapp, clock)
    testapp.reset()
    password_step(testapp)
    registry.shared_state = Unreachable()
    refused = second_step(testapp, {"method": "totp", "code": clock.code(secret)}, status=503)
    assert "Logging in is not possible right now" in refused.text
    assert testapp.get("/platform/tenants").status_int == 303


# Several processes, one Redis -----------------------------------------------------------

PROCESSES = 4
TRIES_EACH = 8


def _hammer(settings: dict, start, results) -> None:
    """One web process: its own app over the same databases and Redis, trying wrong passwords."""
    import webtest

    app = main({}, **settings)
    browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                                  "REMOTE_ADDR": "203.0.113.5"})
    statuses = []
    start.wait()
    for _ in range(TRIES_EACH):
        statuses.append(operator_login(browser, password=WRONG, status="*").status_int)
    app.registry.tenancy.dispose()
    results.put(statuses)


def _result(results, workers) -> list[int]:
    """The next process's statuses; fails at once when one died instead of answering."""
    for _ in range(240):
        try:
            return results.get(timeout=1)
        except queue.Empty:
            dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            assert not dead, f"a process failed (exit codes {dead}); see its output above"
    raise AssertionError("the processes did not answer within four minutes")


def test_processes_racing_on_one_redis_get_one_password_checked(
        settings, app, make_operator, registry):
    need(bool(REDIS_URL), "PRAXCLOUD_TEST_REDIS_URL is not set")
    make_operator()
    prefix = f"pxtest:{uuid.uuid4().hex[:10]}:"
    # A first wait longer than the test: only the attempt that opens the gate is checked.
    shared = {**settings, "praxcloud.shared_state_url": REDIS_URL,
              "praxcloud.shared_state_prefix": prefix,
              "praxcloud.operator_login_delays_seconds": "600"}
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    workers = [context.Process(target=_hammer, args=(shared, start, results))
               for _ in range(PROCESSES)]
    try:
        for worker in workers:
            worker.start()
        start.set()
        statuses = [status for _ in workers for status in _result(results, workers)]
        for worker in workers:
            worker.join(timeout=60)
        # 32 tries at once from four processes: one password checked, no more.
        assert statuses.count(401) == 1, statuses
        assert statuses.count(429) == PROCESSES * TRIES_EACH - 1, statuses
        assert len(platform_events(registry, "operator.login")) == 1
        # And the right password is refused too, in this process on the same Redis.
        registry.shared_state = build_shared_state(shared)
        operator_login(client(app, REMOTE_ADDR="203.0.113.5"), status=429)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
        redis_cleanup(prefix)
