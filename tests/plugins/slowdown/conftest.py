"""Fixtures of the slowdown tests: acme with the plugin, a clock the test moves, addresses.

Written only against ``praxcloud.plugin`` and ``praxcloud.testing``. The
shared state runs on the fake clock (``fake_clock``), so a wait of 16
seconds passes when the test says so, never by sleeping. Every API answer
is held to the served OpenAPI document (tests/plugins/conftest.py).
"""

from __future__ import annotations

import pytest

from praxcloud.testing import PASSWORD

NAME = "slowdown"
STAFF = "staff@acme.test"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


@pytest.fixture
def slowdown_tenant(make_tenant, make_user, fake_clock):
    """``slowdown_tenant(**settings)``: acme with the plugin so configured; returns the clock."""
    def make(**settings):
        make_tenant("acme", "Acme Care", plugins={NAME: settings})
        make_user("acme", "admin@acme.test", groups=("admin",))
        make_user("acme", STAFF, groups=("staff",))
        return fake_clock
    return make


def attempt(testapp, password: str, *, email: str = STAFF, address: str = ATTACKER,
            status: int | None = None):
    """One API login from ``address``; the answer (any status unless given)."""
    return testapp.post_json("/api/v1/acme/auth/login", {"email": email, "password": password},
                             extra_environ={"REMOTE_ADDR": address},
                             status=status if status is not None else "*")


def wrong(testapp, **kwargs):
    return attempt(testapp, "not the password at all", **kwargs)


def right(testapp, **kwargs):
    return attempt(testapp, PASSWORD, **kwargs)


def retry_after(answer) -> int:
    assert answer.status_int == 429, answer
    assert answer.json["error"]["code"] == "too_many_attempts"
    return int(answer.headers["Retry-After"])
