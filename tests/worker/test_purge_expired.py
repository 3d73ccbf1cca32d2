"""purge_expired: exactly the dead sessions, used or expired challenges and reset links go."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from sqlalchemy import select

from praxcloud.core import tasks
from praxcloud.core.models import AuthSession, LoginChallenge, PasswordReset, utcnow
from praxcloud.core.provisioning import set_status
from praxcloud.core.scripting import tenant_request
from praxcloud.core.tasks import purge_expired, purge_expired_tenant

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _session(user_id, label, *, created, last_seen, expires, revoked=None):
    return AuthSession(token_hash=secrets.token_hex(32), kind="api", user_id=user_id,
                       created_at=created, last_seen_at=last_seen, expires_at=expires,
                       revoked_at=revoked, user_agent=label, data={})


def seed(registry, slug, user_id) -> None:
    """Rows on both sides of every cut-off; labels ending in 'keep' must survive."""
    now = utcnow()
    with tenant_request(registry, slug) as request:
        db = request.tenant_db
        db.add_all([
            _session(user_id, "live-keep", created=now - HOUR, last_seen=now, expires=now + HOUR),
            _session(user_id, "expired-recently-keep", created=now - 13 * HOUR,
                     last_seen=now - 2 * HOUR, expires=now - HOUR),
            _session(user_id, "revoked-recently-keep", created=now - 2 * HOUR,
                     last_seen=now - 2 * HOUR, expires=now + 10 * HOUR, revoked=now - HOUR),
            _session(user_id, "expired-long-ago", created=now - 3 * DAY,
                     last_seen=now - 3 * DAY, expires=now - 2 * DAY),
            _session(user_id, "revoked-long-ago", created=now - 2 * DAY - HOUR,
                     last_seen=now - 2 * DAY, expires=now + 10 * HOUR, revoked=now - 2 * DAY),
            _session(user_id, "idle-long-ago", created=now - 2 * DAY, last_seen=now - 2 * DAY,
                     expires=now + HOUR),
        ])
        for label, expires, used in [("live-keep", now + HOUR, None),
                                     ("used", now + HOUR, now - HOUR),
                                     ("expired", now - HOUR, None)]:
            db.add(LoginChallenge(token_hash=secrets.token_hex(32), user_id=user_id,
                                  kind=label, methods=[], created_at=now - HOUR,
                                  expires_at=expires, used_at=used))
            db.add(PasswordReset(token_hash=secrets.token_hex(32), user_id=user_id,
                                 created_at=now - HOUR, expires_at=expires, used_at=used))


def remaining(registry, slug) -> dict[str, list]:
    with tenant_request(registry, slug) as request:
        db = request.tenant_db
        return {
            "sessions": sorted(db.scalars(select(AuthSession.user_agent))),
            "challenges": sorted(db.scalars(select(LoginChallenge.kind))),
            "resets": sorted((r.expires_at > utcnow(), r.used_at is None)
                             for r in db.scalars(select(PasswordReset))),
        }


EXPECTED = {
    "sessions": ["expired-recently-keep", "live-keep", "revoked-recently-keep"],
    "challenges": ["live-keep"],
    "resets": [(True, True)],
}


@pytest.fixture
def acme_user(tenant, make_user):
    return make_user("acme", "old-sessions@acme.test")


def test_purge_deletes_exactly_the_expired_rows(registry, acme_user, caplog):
    seed(registry, "acme", acme_user)
    with caplog.at_level("INFO", logger="praxcloud.core.tasks"):
        assert purge_expired.delay().get() == 1
    assert remaining(registry, "acme") == EXPECTED
    assert "auth_sessions=3, login_challenges=2, password_resets=2" in caplog.text


def test_purge_is_idempotent(registry, acme_user):
    seed(registry, "acme", acme_user)
    assert purge_expired_tenant.delay("acme").get() == {
        "auth_sessions": 3, "login_challenges": 2, "password_resets": 2}
    assert purge_expired_tenant.delay("acme").get() == {
        "auth_sessions": 0, "login_challenges": 0, "password_resets": 0}
    assert remaining(registry, "acme") == EXPECTED


def test_purge_works_in_batches(registry, acme_user, monkeypatch):
    monkeypatch.setattr(tasks, "PURGE_BATCH_SIZE", 2)
    seed(registry, "acme", acme_user)
    seed(registry, "acme", acme_user)
    counts = purge_expired_tenant.delay("acme").get()
    assert counts == {"auth_sessions": 6, "login_challenges": 4, "password_resets": 4}
    assert remaining(registry, "acme") == {key: sorted(value * 2)
                                           for key, value in EXPECTED.items()}


def test_purge_leaves_suspended_tenants_alone(registry, acme_user, make_tenant, make_user):
    make_tenant("beta")
    beta_user = make_user("beta", "someone@beta.test")
    seed(registry, "acme", acme_user)
    seed(registry, "beta", beta_user)
    set_status(registry.tenancy, "beta", "suspended")
    assert purge_expired.delay().get() == 1
    set_status(registry.tenancy, "beta", "active")
    assert remaining(registry, "acme") == EXPECTED
    assert len(remaining(registry, "beta")["sessions"]) == 6
