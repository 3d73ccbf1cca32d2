"""The operator login limit: per login and address, per login, second factors counted, fail closed.

The cross-process test runs real processes (``multiprocessing``, spawned)
against one Redis: however they race, no more answers are checked than the
limit allows.
"""

from __future__ import annotations

import multiprocessing
import queue
import uuid
from dataclasses import replace

import pytest

from praxcloud.core.settings import install_settings, settings_of
from praxcloud.core.shared_state import build_shared_state
from praxcloud.testing import REDIS_URL, need
from tests.shared_state.test_shared_state import redis_cleanup

from ..conftest import OPERATOR_EMAIL, OPERATOR_PASSWORD, operator_login
from ..test_auth import platform_events
from .support import (
    client,
    enrol_totp,
    password_step,
    second_step,
)

WRONG = "not the operator's password"


def test_ten_wrong_passwords_then_even_the_right_one_is_refused(
        testapp, make_operator, registry, backend):
    make_operator()
    for _ in range(10):
        operator_login(testapp, password=WRONG, status=401)
    limited = operator_login(testapp, status=429)
    assert "Too many login attempts for this account: try again in 15 minutes." in limited.text
    assert 890 <= int(limited.headers["Retry-After"]) <= 900
    assert operator_login(testapp, password=WRONG, status=429)
    assert testapp.get("/platform/tenants").status_int == 303
    [event] = platform_events(registry, "operator.login_limited")
    assert (event.outcome, event.actor) == ("failure", None)
    # The refused attempts were not even checked: ten failures audited, no more.
    assert len(platform_events(registry, "operator.login")) == 10


def test_the_limit_counts_per_login_whatever_its_case(testapp, make_operator):
    make_operator()
    for n in range(10):
        operator_login(testapp, OPERATOR_EMAIL.upper() if n % 2 else OPERATOR_EMAIL, WRONG,
                       status=401)
    operator_login(testapp, f"  {OPERATOR_EMAIL.title()} ", status=429)


def test_another_login_and_another_address_are_counted_apart(app, testapp, make_operator):
    make_operator()
    make_operator("second@praxcloud.test")
    for _ in range(10):
        operator_login(testapp, password=WRONG, status=401)
    operator_login(testapp, "second@praxcloud.test", OPERATOR_PASSWORD)
    # From another address the same login has its own ten, up to the account's thirty.
    elsewhere = client(app, REMOTE_ADDR="192.0.2.10")
    operator_login(elsewhere)


def test_the_account_limit_holds_across_addresses(app, make_operator, registry):
    make_operator()
    install_settings(registry, replace(settings_of(registry),
                                       operator_login_max_attempts_per_account=12))
    for n in range(12):
        operator_login(client(app, REMOTE_ADDR=f"192.0.2.{n + 1}"), password=WRONG, status=401)
    operator_login(client(app, REMOTE_ADDR="198.51.100.1"), status=429)


def test_unknown_logins_are_limited_the_same(testapp):
    for _ in range(10):
        operator_login(testapp, "nobody@praxcloud.test", WRONG, status=401)
    operator_login(testapp, "nobody@praxcloud.test", WRONG, status=429)


def test_a_completed_login_starts_the_count_again(testapp, make_operator):
    make_operator()
    for _ in range(9):
        operator_login(testapp, password=WRONG, status=401)
    operator_login(testapp)
    testapp.reset()
    for _ in range(10):
        operator_login(testapp, password=WRONG, status=401)
    operator_login(testapp, status=429)


def test_wrong_codes_count_with_wrong_passwords(testapp, make_operator, clock, backend):
    make_operator()
    operator_login(testapp)
    secret = enrol_totp(testapp, clock)
    testapp.reset()
    for _ in range(5):
        operator_login(testapp, password=WRONG, status=401)
    password_step(testapp)  # the sixth answer checked
    right = clock.code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(4):
        second_step(testapp, {"method": "totp", "code": wrong}, status=401)
    limited = second_step(testapp, {"method": "totp", "code": right}, status=429)
    assert "Too many login attempts" in limited.text
    assert testapp.get("/platform/tenants").status_int == 303


def test_an_unreachable_store_refuses_every_login(testapp, make_operator, registry):
    make_operator()
    registry.shared_state = build_shared_state({
        "praxcloud.shared_state_url": "redis://127.0.0.1:1/0",
        "praxcloud.shared_state_timeout_ms": "200"})
    refused = operator_login(testapp, status=503)
    assert "Logging in is not possible right now" in refused.text
    assert testapp.get("/platform/tenants").status_int == 303


# Several processes, one Redis -----------------------------------------------------------

PROCESSES = 4
TRIES_EACH = 8


def _hammer(settings: dict, start, results) -> None:
    """One web process: its own app over the same databases and Redis, trying wrong passwords."""
    import webtest

    from praxcloud import main

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


def test_processes_racing_on_one_redis_get_ten_answers_checked_in_all(
        settings, app, make_operator, registry):
    need(bool(REDIS_URL), "PRAXCLOUD_TEST_REDIS_URL is not set")
    make_operator()
    prefix = f"pxtest:{uuid.uuid4().hex[:10]}:"
    shared = {**settings, "praxcloud.shared_state_url": REDIS_URL,
              "praxcloud.shared_state_prefix": prefix}
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
        assert sorted(set(statuses)) == [401, 429], statuses
        # 32 tries at once from four processes: ten passwords checked, no more.
        assert statuses.count(401) == 10 and statuses.count(429) == PROCESSES * TRIES_EACH - 10
        assert len(platform_events(registry, "operator.login")) == 10
        # And the right password is refused too, in this process on the same Redis.
        registry.shared_state = build_shared_state(shared)
        browser = client(app, REMOTE_ADDR="203.0.113.5")
        operator_login(browser, status=429)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
        redis_cleanup(prefix)


@pytest.mark.parametrize("setting", ["praxcloud.operator_login_max_attempts",
                                     "praxcloud.operator_login_window_minutes"])
def test_the_limit_follows_its_settings(testapp, make_operator, registry, setting):
    make_operator()
    value = 3 if setting.endswith("attempts") else 2
    field = setting[len("praxcloud."):]
    install_settings(registry, replace(settings_of(registry), **{field: value}))
    attempts = 3 if setting.endswith("attempts") else 10
    for _ in range(attempts):
        operator_login(testapp, password=WRONG, status=401)
    limited = operator_login(testapp, status=429)
    if setting.endswith("minutes"):
        assert int(limited.headers["Retry-After"]) <= 120
