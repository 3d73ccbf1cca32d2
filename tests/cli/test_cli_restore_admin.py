"""``praxcloud user restore-admin``: the way back for a tenant where nobody can manage users."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from praxcloud.core.models import AuditEvent, Group, PlatformAuditEvent, User
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD, api_login, bearer


@pytest.fixture
def cli_settings(settings) -> dict:
    """The shared settings, so that these commands run on SQLite and on PostgreSQL."""
    return settings


@pytest.fixture
def locked_out(upgraded, webapp):
    """Tenant acme whose only administrator's group lost users.manage, and the web app."""
    upgraded.ok("tenant", "create", "acme", "--name", "Acme Care")
    upgraded.ok("user", "create", "acme", "admin@acme.test", "--group", "admin",
                env={"PRAXCLOUD_PASSWORD": PASSWORD})
    app = webapp()
    with tenant_request(app.app.registry, "acme") as request:
        request.tenant_db.execute(update(Group).values(permissions=["records.read"]))
        request.tenant_db.execute(update(User).values(is_active=False))
    return upgraded, app


def can_manage_users(app) -> bool:
    headers = bearer(api_login(app, "acme", "admin@acme.test"))
    return app.get("/api/v1/acme/users", headers=headers, status="*").status_int == 200


def test_restore_admin_gives_user_management_back(locked_out, backend):
    praxcloud, app = locked_out
    app.post_json("/api/v1/acme/auth/login", {"email": "admin@acme.test", "password": PASSWORD},
                  status=401)

    result = praxcloud.ok("user", "restore-admin", "acme", "Admin@Acme.test")

    assert result.stdout == ("admin@acme.test can manage users in tenant 'acme' again: gave "
                             "group admin users.manage; reactivated admin@acme.test.\n")
    assert can_manage_users(app)
    registry = app.app.registry
    with tenant_request(registry, "acme") as request:
        rows = request.tenant_db.scalars(select(AuditEvent).where(
            AuditEvent.event.in_(("group.update", "user.update"))).order_by(AuditEvent.id)).all()
        assert [(row.event, row.target, row.details["via"]) for row in rows] == [
            ("group.update", "admin", "cli"), ("user.update", "admin@acme.test", "cli")]
        assert all(row.actor.startswith("cli") for row in rows)
    with registry.tenancy.platform_session() as platform_db:
        assert platform_db.scalars(select(PlatformAuditEvent.event).where(
            PlatformAuditEvent.tenant_slug == "acme")).all()[-1] == "tenant.admin_restored"
    again = praxcloud.ok("user", "restore-admin", "acme", "admin@acme.test")
    assert "can already manage users" in again.stdout


def test_restore_admin_can_make_the_group_afresh(locked_out, backend):
    praxcloud, app = locked_out
    result = praxcloud.ok("user", "restore-admin", "acme", "admin@acme.test",
                          "--group", "rescue")
    assert "created group rescue" in result.stdout
    assert can_manage_users(app)


def test_restore_admin_of_an_unknown_user_or_tenant(locked_out, backend):
    praxcloud, _app = locked_out
    refused = praxcloud.fails("user", "restore-admin", "acme", "nobody@acme.test")
    assert "no user nobody@acme.test" in refused.output
    assert "praxcloud user create acme nobody@acme.test --group admin" in refused.output
    assert praxcloud.fails("user", "restore-admin", "nope", "admin@acme.test").exit_code == 1
