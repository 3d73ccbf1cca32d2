"""The core's login limit with no protection plugin (issue 9).

Per account and client address (10 in 15 minutes) and per account (50),
counted in the shared state before any password is checked; over it, 429
with Retry-After, the same for an account that does not exist. Windows are
moved with a fake clock; the cross-process test uses a real Redis.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import webtest
from passlib.hash import pbkdf2_sha256
from sqlalchemy import select

from praxcloud.core import contracts
from praxcloud.core.auth import LoginRefused
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.login_limits import Limits, client_bucket
from praxcloud.core.models import User
from praxcloud.core.shared_state import build_shared_state
from praxcloud.testing import PASSWORD, REDIS_URL, need
from tests.api.conftest import audit_events, tenant_db

LOGIN = "/api/v1/acme/auth/login"
WINDOW = 15 * 60
WRONG = "wrong password"  # noqa: S105 - a test value


def attempt(testapp, email="staff@acme.test", password=WRONG,
            address="127.0.0.1", status="*"):
    return testapp.post_json(LOGIN, {"email": email, "password": password},
                             extra_environ={"REMOTE_ADDR": address}, status=status)


def stored_hash(registry, email="staff@acme.test") -> str:
    with tenant_db(registry, "acme") as db:
        return db.scalars(select(User.password_hash).where(User.email == email)).one()


def test_the_eleventh_wrong_login_is_refused_and_then_even_the_right_password(
        fake_clock, testapp, tenant, registry):
    # An old hash is upgraded whenever the right password is checked: it
    # shows whether the refused attempts reached the password check at all.
    old_hash = pbkdf2_sha256.using(rounds=1000).hash(PASSWORD)
    with tenant_db(registry, "acme") as db:
        db.scalars(select(User).where(User.email == "staff@acme.test")).one().password_hash = \
            old_hash
    for _ in range(10):
        assert attempt(testapp).json["error"]["code"] == "invalid_credentials"
    refused = attempt(testapp, status=429)
    assert refused.json["error"]["code"] == "too_many_attempts"
    assert int(refused.headers["Retry-After"]) == WINDOW

    fake_clock.advance(WINDOW - 60)
    right = attempt(testapp, password=PASSWORD, status=429)
    assert int(right.headers["Retry-After"]) == 60
    assert stored_hash(registry) == old_hash  # refused before the password was checked

    fake_clock.advance(60)
    assert attempt(testapp, password=PASSWORD, status=200).json["token"]
    assert stored_hash(registry).startswith("$argon2id$")
    # Each failure is audited; of the refusals only the first (refusing stays cheap).
    reasons = [e.details["reason"] for e in audit_events(registry, "acme", "login")
               if e.outcome == "failure"]
    assert reasons == ["invalid_credentials"] * 10 + ["refused"]


def test_the_refusal_says_nothing_about_whether_the_account_exists(fake_clock, testapp, tenant):
    answers = []
    for email in ("staff@acme.test", "ghost@acme.test"):
        for _ in range(10):
            attempt(testapp, email=email, status=401)
        answer = attempt(testapp, email=email, status=429)
        answers.append((answer.status_int, answer.body, sorted(
            (k, v) for k, v in answer.headers.items() if k.lower() != "content-length")))
    assert answers[0] == answers[1]


def test_another_address_has_its_own_budget_up_to_the_accounts(fake_clock, testapp, tenant):
    addresses = [f"10.0.0.{n}" for n in range(1, 7)]
    for address in addresses[:5]:
        for _ in range(10):
            attempt(testapp, address=address, status=401)
        # Refused at the address: that does not use up the account's budget.
        attempt(testapp, address=address, status=429)
    # 5 x 10 = 50 failures: the account's bound, whatever the address.
    refused = attempt(testapp, address=addresses[5], status=429)
    assert refused.json["error"]["code"] == "too_many_attempts"
    attempt(testapp, password=PASSWORD, address=addresses[5], status=429)
    # Another account from the same addresses still has its own budgets.
    attempt(testapp, email="admin@acme.test", address=addresses[0], status=401)
    attempt(testapp, email="admin@acme.test", password=PASSWORD, address=addresses[5],
            status=200)
    fake_clock.advance(WINDOW)
    attempt(testapp, password=PASSWORD, address=addresses[5], status=200)


def test_an_ipv6_client_counts_as_its_64(fake_clock, testapp, tenant):
    assert client_bucket("2001:db8::1") == client_bucket("2001:db8::ffff:1") == "2001:db8::/64"
    assert client_bucket("::ffff:10.0.0.1") == "10.0.0.1"
    for n in range(10):
        attempt(testapp, address=f"2001:db8::{n + 1}", status=401)
    attempt(testapp, address="2001:db8::ab", status=429)
    attempt(testapp, address="2001:db8:0:1::1", status=401)


def test_a_success_gives_back_its_own_attempt_only(fake_clock, testapp, tenant):
    attacker, owner = "10.0.0.66", "10.0.0.1"
    for _ in range(9):
        attempt(testapp, address=attacker, status=401)
    # The owner logging in elsewhere does not reset the attacker's count.
    attempt(testapp, password=PASSWORD, address=owner, status=200)
    attempt(testapp, address=attacker, status=401)
    attempt(testapp, address=attacker, status=429)
    # The right password from an address starts that address's window again...
    for _ in range(9):
        attempt(testapp, email="admin@acme.test", address=owner, status=401)
    attempt(testapp, email="admin@acme.test", password=PASSWORD, address=owner, status=200)
    for _ in range(10):
        attempt(testapp, email="admin@acme.test", address=owner, status=401)
    attempt(testapp, email="admin@acme.test", address=owner, status=429)
    # ...and successful logins never count: many in a window are all let in.
    for _ in range(55):
        attempt(testapp, email="reader@acme.test", password=PASSWORD, status=200)


def test_without_the_shared_state_every_login_is_refused(testapp, tenant, registry, caplog):
    registry.shared_state = build_shared_state({
        "praxcloud.shared_state_url": "redis://127.0.0.1:1/0",
        "praxcloud.shared_state_timeout_ms": "200"})
    with caplog.at_level(logging.ERROR, logger="praxcloud.core.login_limits"):
        refused = attempt(testapp, password=PASSWORD, status=503)
    assert refused.json["error"]["code"] == "login_unavailable"
    assert int(refused.headers["Retry-After"]) > 0
    assert "fail closed" in caplog.text


def test_limits_come_from_the_settings():
    assert Limits.from_settings({}) == Limits(10, 50, 900, 3, 20, 3600)
    custom = Limits.from_settings({"praxcloud.login_limit_per_client": "3",
                                   "praxcloud.reset_mail_limit_per_email": "1"})
    assert (custom.login_limit_per_client, custom.reset_mail_limit_per_email) == (3, 1)
    for bad in ("0", "-5"):
        with pytest.raises(ValueError, match="login_limit_per_account"):
            Limits.from_settings({"praxcloud.login_limit_per_account": bad})


@pytest.fixture
def settings(settings, request):
    if request.node.name.startswith("test_a_setting"):
        return {**settings, "praxcloud.login_limit_per_client": "2",
                "praxcloud.login_limit_per_account": "3"}
    return settings


def test_a_setting_changes_the_limit(fake_clock, testapp, tenant):
    attempt(testapp, status=401)
    attempt(testapp, status=401)
    attempt(testapp, status=429)
    attempt(testapp, address="10.0.0.2", status=401)
    attempt(testapp, address="10.0.0.3", status=429)


# A plugin with a schedule of its own (as the slowdown plugin will have) ------

class OwnSchedule:
    """Lets 12 failures per login through, then refuses with its own answer."""

    def __init__(self, replaces: bool = True):
        self.replaces = replaces
        self.failures: dict[str, int] = {}

    @hookimpl
    def praxcloud_plugin_info(self):
        return {"name": "pxtest_schedule", "description": "Test plugin: an attempt limit.",
                "settings_schema": {"type": "object", "properties": {},
                                    "additionalProperties": False}}

    @hookimpl
    def praxcloud_replaces_login_limits(self, request):
        if self.replaces == "raise":
            raise RuntimeError("cannot tell")
        return True if self.replaces else None

    @hookimpl
    def praxcloud_pre_authenticate(self, request, login):
        if self.failures.get(login, 0) >= 12:
            return LoginRefused("slow down", 30, 429, "slowed_down")
        return None

    @hookimpl
    def praxcloud_authentication_failed(self, request, login, reason):
        self.failures[login] = self.failures.get(login, 0) + 1


@pytest.mark.parametrize("replaces", [True, None, "raise"])
def test_a_plugin_with_its_own_limit_takes_the_baselines_place(
        replaces, fake_clock, testapp, tenant, registry):
    assert registry.plugin_host.register_plugin(OwnSchedule(replaces), "pxtest_schedule")
    contracts.enable(registry, "acme", "pxtest_schedule")
    statuses = [attempt(testapp).status_int for _ in range(11)]
    if replaces is True:
        assert statuses == [401] * 11  # the core stood aside
        attempt(testapp, status=401)  # the plugin's twelfth
        assert attempt(testapp, status=429).json["error"]["code"] == "slowed_down"
    else:
        # No answer, or one that failed: the baseline stays.
        assert statuses == [401] * 10 + [429]


# Several processes at once, one Redis ----------------------------------------

PROCESSES = 4


def _hammer(settings: dict, index: int, barrier, results) -> None:
    """One web process: builds the app and sends its share of attempts, with threads."""
    from praxcloud import main

    app = main({}, **settings)

    def one(args) -> int:
        email, address = args
        client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
        return client.post_json(LOGIN, {"email": email, "password": WRONG},
                                extra_environ={"REMOTE_ADDR": address}, status="*").status_int

    try:
        # Phase 1: one account from one address, from every process at once.
        same = [("staff@acme.test", "10.9.0.1")] * 8
        # Phase 2: another account from eight addresses (two per process).
        spread = [("admin@acme.test", f"10.9.1.{2 * index + n % 2}") for n in range(16)]
        for phase, work in enumerate((same, spread)):
            barrier.wait(timeout=120)
            with ThreadPoolExecutor(4) as pool:
                results.put((phase, list(pool.map(one, work))))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as a result
        results.put(("error", repr(exc)))
    finally:
        app.registry.tenancy.dispose()


def test_the_limit_holds_across_processes_on_redis(settings, tenant, registry):
    need(bool(REDIS_URL), "PRAXCLOUD_TEST_REDIS_URL is not set")
    prefix = f"pxtest:{uuid.uuid4().hex[:10]}:"
    shared = {**settings, "praxcloud.shared_state_url": REDIS_URL,
              "praxcloud.shared_state_prefix": prefix}
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [context.Process(target=_hammer, args=(shared, index, barrier, results))
               for index in range(PROCESSES)]
    for worker in workers:
        worker.start()
    try:
        answers = [results.get(timeout=300) for _ in range(2 * PROCESSES)]
    finally:
        for worker in workers:
            worker.join(timeout=60)
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()
    errors = [a for a in answers if a[0] == "error"]
    assert not errors, errors
    by_phase = {0: [], 1: []}
    for phase, statuses in answers:
        by_phase[phase].extend(statuses)
    assert set(by_phase[0]) | set(by_phase[1]) <= {401, 429}, json.dumps(by_phase)
    # 32 attempts on one account from one address: exactly 10 reach the password.
    assert (len(by_phase[0]), by_phase[0].count(401)) == (4 * 8, 10)
    # 64 on another account from eight addresses (8 each): the account's 50.
    assert (len(by_phase[1]), by_phase[1].count(401)) == (4 * 16, 50)
