"""``praxcloud operator reset-second-factors``: the way back after a lost factor."""

from __future__ import annotations

import re

from sqlalchemy import select

from praxcloud.core.models import (
    Operator,
    OperatorTotp,
    OperatorWebauthnKey,
    PlatformAuditEvent,
    utcnow,
)
from praxcloud.testing import PASSWORD


def login(client, email="ops@example.org"):
    page = client.get("/platform/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/platform/login", {"csrf_token": token, "email": email,
                                           "password": PASSWORD}, status=303)


def test_reset_removes_every_factor_and_the_next_login_asks_for_none(upgraded, webapp):
    upgraded.ok("operator", "create", "ops@example.org", env={"PRAXCLOUD_PASSWORD": PASSWORD})
    client = webapp()
    registry = client.app.registry
    with registry.tenancy.platform_session() as db:
        operator = db.scalars(select(Operator)).one()
        db.add(OperatorTotp(operator_id=operator.id, secret=b"sealed", confirmed_at=utcnow()))
        db.add(OperatorWebauthnKey(operator_id=operator.id, credential_id=b"id",
                                   public_key=b"key", name="Lost key"))
    assert login(client).location.endswith("/platform/login/second-factor")
    result = upgraded.ok("operator", "reset-second-factors", "OPS@example.org")
    assert result.stdout == ("Removed the second factors of ops@example.org: "
                             "1 authenticator app(s), 1 security key(s).\n")
    with registry.tenancy.platform_session() as db:
        assert db.scalars(select(OperatorTotp)).first() is None
        assert db.scalars(select(OperatorWebauthnKey)).first() is None
        event = db.scalars(select(PlatformAuditEvent).where(
            PlatformAuditEvent.event == "operator.second_factors_reset")).one()
        assert event.details == {"email": "ops@example.org", "totp": 1, "keys": 1}
    client.reset()
    assert login(client).location == "http://localhost/platform/tenants"
    failed = upgraded.fails("operator", "reset-second-factors", "nobody@example.org")
    assert "there is no platform operator nobody@example.org" in failed.stderr
