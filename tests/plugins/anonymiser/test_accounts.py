"""User accounts unused for ``user_inactive_days`` are anonymised by the policy, once.

Administrators (groups that may manage users or settings) are kept; the
policy's clock is a FakeClock moved 100 days ahead.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from plugins.anonymiser import policy
from praxcloud.core.models import User
from praxcloud.testing import PASSWORD, FakeClock, api_login

from .conftest import NAME, raw

DAY = 86400


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    clock = FakeClock(time.time())
    monkeypatch.setattr(policy, "clock", clock)
    return clock


def test_unused_accounts_are_anonymised_once_and_administrators_kept(
        tenant, enable_plugin, testapp, tenant_request, registry, clock):
    enable_plugin("acme", NAME, {"retention_days": 365, "user_inactive_days": 90})
    api_login(testapp, "acme", "staff@acme.test")
    clock.advance(100 * DAY)
    with tenant_request("acme") as request:
        reader = request.tenant_db.scalar(select(User).where(User.email == "reader@acme.test"))
        reader.last_login_at = dt.datetime.fromtimestamp(clock(), dt.UTC) - dt.timedelta(days=5)
        assert policy.dry_run(request, "test").counts["users"] == 1
    before = {row["email"]: row for row in raw(registry, "acme", "SELECT * FROM users")}
    with tenant_request("acme") as request:
        run = policy.run(request, "test")
        assert (run.records, run.counts["users"]) == (0, 1)
    after = {row["id"]: row for row in raw(registry, "acme", "SELECT * FROM users")}
    staff = after[before["staff@acme.test"]["id"]]
    assert staff["email"] == f"anonymised-{staff['id']}@invalid"
    assert (staff["display_name"], staff["password_hash"]) == ("", None)
    assert not staff["is_active"] and staff["anonymised_at"] is not None
    for kept in ("admin@acme.test", "reader@acme.test"):
        assert after[before[kept]["id"]] == before[kept]
    trail = raw(registry, "acme", "SELECT actor, target FROM audit_events")
    assert "staff@acme.test" not in str(trail)
    assert raw(registry, "acme", "SELECT id FROM auth_sessions WHERE user_id = :id",
               id=staff["id"]) == []
    testapp.post_json("/api/v1/acme/auth/login", {"email": "staff@acme.test",
                                                  "password": PASSWORD}, status=401)
    with tenant_request("acme") as request:
        assert policy.run(request, "test").counts["users"] == 0
    assert {row["id"]: row for row in raw(registry, "acme", "SELECT * FROM users")} == after


def test_accounts_are_kept_by_default(registry):
    assert registry.plugin_host.validate_settings(NAME, {})["user_inactive_days"] == 0
