"""A stale session (past the step-up window) cannot change groups, settings or plugins.

Before this, step-up guarded only user management: a stale administrator's
session could give a group every permission, widen the CORS allowlist or
lengthen sessions. (Operators: tests/platform_console/test_stepup.py.)
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from praxcloud.core import contracts
from praxcloud.core.models import Group
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD
from tests.api.conftest import tenant_db
from tests.console.conftest import login as console_login
from tests.core.test_stepup import age_sessions
from tests.platform_console.conftest import csrf_of


def confirm_in_console(page, password=PASSWORD, status=303):
    form = page.forms["reauth-form"]
    form["password"] = password
    return form.submit(status=status)


@pytest.fixture
def admin(testapp, tenant):
    console_login(testapp, "admin@acme.test")
    return testapp


def group_count(registry) -> int:
    with tenant_db(registry, "acme") as db:
        return db.scalar(select(func.count()).select_from(Group))


def test_a_stale_admin_confirms_before_creating_a_group(admin, registry):
    page = admin.get("/acme/groups")  # showing the form needs no step-up
    age_sessions(registry)
    before = group_count(registry)
    form = page.forms["group-new"]
    form["name"] = "all-powerful"
    for box in form.fields["permissions"]:
        box.checked = True
    asked = form.submit(status=303, headers={"Referer": "http://localhost/acme/groups"})
    assert asked.location.endswith("/acme/account/confirm?next=%2Facme%2Fgroups")
    assert group_count(registry) == before

    back = confirm_in_console(asked.follow())
    assert back.location.endswith("/acme/groups")
    form = back.follow().forms["group-new"]
    form["name"] = "all-powerful"
    form.submit(status=303)
    assert group_count(registry) == before + 1


def test_a_stale_admin_cannot_change_or_delete_a_group(admin, registry):
    with tenant_db(registry, "acme") as db:
        empty = Group(name="empty", description="", permissions=[])
        db.add(empty)
        db.flush()
        group_id = empty.id
    page = admin.get(f"/acme/groups/{group_id}")
    age_sessions(registry)
    form = page.forms["group-edit"]
    for box in form.fields["permissions"]:
        box.checked = True
    assert "/acme/account/confirm" in form.submit(status=303).location
    delete = page.forms["group-delete"].submit(status=303)
    assert "/acme/account/confirm" in delete.location
    with tenant_db(registry, "acme") as db:
        group = db.get(Group, group_id)
        assert group is not None and "users.manage" not in group.permissions


def test_a_stale_admin_cannot_change_security_settings(admin, registry):
    page = admin.get("/acme/settings")
    age_sessions(registry)
    form = page.forms["settings-form"]
    form["session_lifetime_hours"] = "720"
    form["cors_origins"] = "https://evil.example"
    asked = form.submit(status=303)
    assert "/acme/account/confirm" in asked.location
    with tenant_request(registry, "acme") as request:
        assert "cors_origins" not in (request.tenant.settings or {})


def test_a_stale_admin_cannot_change_plugin_settings(admin, registry):
    contracts.enable(registry, "acme", "mfa_totp", {}, actor="test")
    page = admin.get("/acme/plugins")
    age_sessions(registry)
    form = page.forms["plugin-form-mfa_totp"]
    form["setting.max_failures_per_hour"] = "1000"
    asked = form.submit(status=303)
    assert "/acme/account/confirm" in asked.location
    with tenant_request(registry, "acme") as request:
        assert request.tenant.plugin_settings("mfa_totp").get("max_failures_per_hour") != 1000


def test_step_up_comes_after_the_permission_check(testapp, registry, tenant):
    # A user who may not change settings at all is refused, not asked for a password.
    console_login(testapp, "staff@acme.test")
    token = csrf_of(testapp.get("/acme/account"))
    age_sessions(registry)
    testapp.post("/acme/settings", {"csrf_token": token, "idle_timeout_minutes": "60"},
                 status=403)
