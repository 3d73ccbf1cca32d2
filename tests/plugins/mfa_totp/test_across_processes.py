"""The per-user failure budget and blocked steps hold across web processes (Redis), and an
unreachable store refuses codes instead of letting them through unlimited."""

from __future__ import annotations

import uuid

import pytest

from praxcloud import main
from praxcloud.core import contracts
from praxcloud.core.shared_state import build_shared_state
from praxcloud.testing import REDIS_URL, need
from praxcloud.testing.openapi import validating_client
from tests.plugins.mfa_totp.conftest import (
    STEP,
    enrolled,
    mfa_step,
    password_step,
)
from tests.shared_state.test_shared_state import redis_cleanup


@pytest.fixture
def two_processes(app, registry, settings, totp):
    """The test app and a second app over the same databases, both counting in one Redis."""
    need(bool(REDIS_URL), "PRAXCLOUD_TEST_REDIS_URL is not set")
    prefix = f"pxtest:{uuid.uuid4().hex[:10]}:"
    shared = {"praxcloud.shared_state_url": REDIS_URL, "praxcloud.shared_state_prefix": prefix}
    registry.shared_state = build_shared_state(shared)
    other = main({}, **{**settings, **shared})
    yield validating_client(app), validating_client(other)
    other.registry.tenancy.dispose()
    redis_cleanup(prefix)


def test_wrong_codes_count_in_every_process(two_processes, registry, totp):
    first, second = two_processes
    contracts.configure(registry, "acme", "mfa_totp", {"max_failures_per_hour": 4})
    secret, _ = enrolled(first, totp)
    right = totp.code(secret)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for client in (first, second, first, second):
        mfa_step(client, password_step(client)["mfa_token"], wrong, status=401)
    for client in (first, second):
        limited = mfa_step(client, password_step(client)["mfa_token"], right, status=401)
        assert limited.json["error"]["code"] == "totp_rate_limited"


def test_a_step_revealed_in_one_process_is_blocked_in_the_other(two_processes, totp):
    first, second = two_processes
    secret, _ = enrolled(first, totp)
    ahead = totp.code(secret, 4)
    skew = mfa_step(first, password_step(first)["mfa_token"], ahead, status=401).json["error"]
    assert skew["code"] == "totp_clock_skew"
    totp.advance(4 * STEP)
    token = password_step(second)["mfa_token"]
    assert mfa_step(second, token, ahead, status=401).json["error"]["code"] == "totp_replayed"


def test_an_unreachable_store_refuses_codes(testapp, registry, totp):
    secret, codes = enrolled(testapp, totp)
    token = password_step(testapp)["mfa_token"]
    # The store goes away after the password step (with it gone before, the
    # core's login limit already refuses the password: docs/security.md).
    registry.shared_state = build_shared_state({
        "praxcloud.shared_state_url": "redis://127.0.0.1:1/0",
        "praxcloud.shared_state_timeout_ms": "200"})
    for code in (totp.code(secret), codes[0]):
        refused = mfa_step(testapp, token, code, status=401).json["error"]
        assert refused["code"] == "totp_unavailable"
        assert "try again in a few minutes" in refused["message"]
