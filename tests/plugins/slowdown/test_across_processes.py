"""slowdown holds across processes: 50 attempts at once, from several client processes
against three real web processes on one Redis, get no more tries than the schedule allows.

The gates are Redis scripts (``SharedState.gate_pass``): reading, deciding and
closing a gate is one step, so of many simultaneous attempts exactly one passes
an open gate, whichever process serves it. With ``delays_seconds: [600]`` a gate
that let one attempt through stays closed for ten minutes, far longer than a
burst lasts, so no timing can let a second one through: whatever the test
observes beyond one try is a race lost in the store.

The web processes are waitress servers, each building the app from the test's
``settings`` (SQLite under tmp_path or PostgreSQL, the ``backend`` parameter)
with the shared state on ``PRAXCLOUD_TEST_REDIS_URL`` under a prefix of the
test's own; the tenant is provisioned before they start. See web_processes.py.
Marked slow: three servers start for each test (5 to 13 s each on two loaded cores,
over a minute for the module on both backends).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from contextlib import ExitStack

import pytest
from sqlalchemy import select

from praxcloud.plugin import AuditEvent
from praxcloud.testing import PASSWORD, REDIS_URL, need

from .conftest import NAME, STAFF
from .web_processes import Request, can_bind, fire, web_processes

pytestmark = [pytest.mark.redis, pytest.mark.slow]

WEB_PROCESSES = 3
CLIENT_PROCESSES = 5  # ten threads each
ATTEMPTS = 50
CLOSED_FOR = 600  # seconds: longer than any burst, on any machine
# The gates read Redis's clock, so every process sees one "now"; the slack stays for the
# address budget's TTL and the second a refusal is rounded up to.
CLOCK_SLACK = 30
LOGIN = "/api/v1/acme/auth/login"
WRONG = "wrong, and not the password at all"


@pytest.fixture
def settings(settings):
    """The test's settings with the shared state on the real Redis, under a prefix of its own."""
    need(bool(REDIS_URL), "PRAXCLOUD_TEST_REDIS_URL is not set")
    prefix = f"praxcloud-test:{uuid.uuid4().hex}:"
    yield {**settings, "praxcloud.shared_state_url": REDIS_URL,
           "praxcloud.shared_state_prefix": prefix}
    _redis_cleanup(prefix)


def _redis_cleanup(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture
def servers(settings, make_tenant, make_user, tmp_path):
    """``servers(**slowdown_settings)``: acme provisioned with the plugin so configured, then
    the web processes started; returns their ports (stopped when the test ends)."""
    need(_waitress_installed(), "waitress is not installed")
    with ExitStack() as running:
        def start(**plugin_settings) -> list[int]:
            make_tenant("acme", "Acme Care", plugins={NAME: plugin_settings})
            make_user("acme", STAFF)
            return running.enter_context(
                web_processes(settings, tmp_path, WEB_PROCESSES, ready_path="/acme/login"))
        yield start


def _waitress_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("waitress") is not None


def burst(ports: list[int], password: str, sources: list[str]) -> list:
    """``ATTEMPTS`` logins of staff at once, spread over the web processes and the sources."""
    requests = [Request(ports[number % len(ports)], sources[number % len(sources)], "POST", LOGIN,
                        {"email": STAFF, "password": password})
                for number in range(ATTEMPTS)]
    answers = fire(requests, CLIENT_PROCESSES)
    assert len(answers) == ATTEMPTS
    failed = [a for a in answers if a.status == 0 or a.status >= 500]
    assert not failed, failed[:3]
    return answers


def statuses(answers) -> Counter:
    return Counter(answer.status for answer in answers)


def assert_refusals(answers) -> None:
    """Every 429 is the plugin's one answer, with the wait left.

    The wait may exceed CLOSED_FOR by a little: each process reads its own clock before
    its script runs, so a refusal timed just before a failure that Redis ran first is
    answered with that failure's full wait plus the gap.
    """
    for answer in answers:
        if answer.status == 429:
            assert json.loads(answer.body)["error"]["code"] == "too_many_attempts", answer
            assert 1 <= int(answer.retry_after) <= CLOSED_FOR + CLOCK_SLACK, answer


def login_failures(tenant_request) -> Counter:
    """The tenant's audited login failures, by reason."""
    with tenant_request("acme") as request:
        events = request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == "login",
                                     AuditEvent.outcome == "failure"))
        return Counter(event.details["reason"] for event in events)


def login_successes(tenant_request) -> int:
    with tenant_request("acme") as request:
        return len(list(request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == "login",
                                     AuditEvent.outcome == "success"))))


def test_fifty_wrong_passwords_at_once_from_one_address_get_one_try(servers, tenant_request):
    ports = servers(delays_seconds=[CLOSED_FOR])
    answers = burst(ports, WRONG, ["127.0.0.1"])
    assert statuses(answers) == {401: 1, 429: ATTEMPTS - 1}, statuses(answers)
    assert_refusals(answers)
    # Every web process took part, and the one try was the only password checked.
    assert {answer.request.port for answer in answers} == set(ports)
    assert login_failures(tenant_request) == {"invalid_credentials": 1, "refused": ATTEMPTS - 1}


def test_fifty_wrong_passwords_at_once_from_fifty_addresses_get_one_try(servers,
                                                                        tenant_request):
    """The account's own gate (from anywhere) holds alike: each address passes its own gate,
    and only one of them the account's."""
    sources = [f"127.0.0.{number}" for number in range(2, 2 + ATTEMPTS)]
    need(can_bind(sources[-1]), "cannot send from other loopback addresses (127.0.0.x)")
    ports = servers(delays_seconds=[CLOSED_FOR], account_max_delay_seconds=3600)
    answers = burst(ports, WRONG, sources)
    assert statuses(answers) == {401: 1, 429: ATTEMPTS - 1}, statuses(answers)
    assert_refusals(answers)
    assert login_failures(tenant_request) == {"invalid_credentials": 1, "refused": ATTEMPTS - 1}


def test_fifty_right_passwords_at_once_pass_one_at_a_time(servers, tenant_request):
    """A right password opens the gate again when it succeeds, so how many of the fifty
    follow the first depends on timing; what holds is that each was let through alone:
    every other attempt meanwhile was refused before its password was looked at, and no
    attempt was checked and failed."""
    ports = servers(delays_seconds=[CLOSED_FOR])
    answers = burst(ports, PASSWORD, ["127.0.0.1"])
    counted = statuses(answers)
    assert set(counted) <= {200, 429}, counted
    assert counted[200] >= 1
    assert_refusals(answers)
    assert login_successes(tenant_request) == counted[200]
    assert login_failures(tenant_request) == ({"refused": counted[429]} if counted[429] else {})
