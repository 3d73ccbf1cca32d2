"""Tenant administrators manage groups and their permissions in the console."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from praxcloud.core.models import Group
from praxcloud.core.permissions import ALL_PERMISSIONS
from praxcloud.core.scripting import tenant_request
from tests.console.admin_support import audit_events, console_login, field_error


def group_state(registry, name):
    with tenant_request(registry, "acme") as request:
        group = request.tenant_db.scalars(select(Group).where(Group.name == name)).first()
        if group is None:
            return None
        return {"id": group.id, "description": group.description,
                "permissions": sorted(group.permissions), "members": len(group.users)}


@pytest.fixture
def admin(testapp, registry, tenant):
    console_login(testapp, registry, "admin@acme.test")
    return testapp


def test_list_shows_groups_permissions_and_members(admin):
    page = admin.get("/acme/groups")
    rows = {row.find("a").get_text(): row.get_text(" ", strip=True)
            for row in page.html.select("table.listing tbody tr")}
    assert set(rows) == {"admin", "staff", "read-only"}
    assert all(permission in rows["admin"] for permission in ALL_PERMISSIONS)
    assert rows["read-only"].endswith("records.read 1")
    # Every permission is offered for a new group.
    offered = {box._value for box in page.forms["group-new"].fields["permissions"]}
    assert offered == ALL_PERMISSIONS


def test_create_group(admin, registry):
    form = admin.get("/acme/groups").forms["group-new"]
    form["name"] = "auditors"
    form["description"] = "Read the audit trail"
    for box in form.fields["permissions"]:
        box.checked = box._value in ("audit.read", "records.read")
    page = form.submit(status=303).follow()
    assert "Group auditors created." in page.text
    assert group_state(registry, "auditors")["permissions"] == ["audit.read", "records.read"]
    created = audit_events(registry, "group.create")[-1]
    assert created["target"] == "auditors"
    assert created["details"] == {"permissions": ["audit.read", "records.read"]}


@pytest.mark.parametrize("name, message", [
    ("", "Use 1 to 80"), ("has space", "Use 1 to 80"), ("-dash", "Use 1 to 80"),
    ("x" * 81, "Use 1 to 80"), ("STAFF", "already exists")])
def test_bad_group_name_is_refused(admin, registry, name, message):
    form = admin.get("/acme/groups").forms["group-new"]
    form["name"] = name
    form["description"] = "kept"
    page = form.submit(status=422)
    assert message in field_error(page, "name")
    assert page.forms["group-new"]["description"].value == "kept"
    assert len(audit_events(registry, "group.create")) == 0


def test_unknown_permission_is_refused(admin, registry):
    token = admin.get("/acme/groups").forms["group-new"]["csrf_token"].value
    page = admin.post("/acme/groups", {"csrf_token": token, "name": "gods",
                                       "permissions": ["records.read", "platform.manage"]},
                      status=422)
    assert "No such permission: platform.manage" in field_error(page, "permissions")
    assert group_state(registry, "gods") is None


def test_edit_description_and_permissions(admin, registry):
    staff = group_state(registry, "staff")
    form = admin.get(f"/acme/groups/{staff['id']}").forms["group-edit"]
    form["description"] = "Front desk"
    for box in form.fields["permissions"]:
        box.checked = box._value in ("records.read", "audit.read")
    form.submit(status=303)
    assert group_state(registry, "staff") == {**staff, "description": "Front desk",
                                              "permissions": ["audit.read", "records.read"]}
    update = audit_events(registry, "group.update")[-1]
    assert update["details"] == {"description_changed": True,
                                 "permissions_added": ["audit.read"],
                                 "permissions_removed": ["records.write"]}


def test_last_group_with_users_manage_keeps_it(admin, registry):
    group = group_state(registry, "admin")
    page = admin.get(f"/acme/groups/{group['id']}")
    form = page.forms["group-edit"]
    for box in form.fields["permissions"]:
        box.checked = box._value != "users.manage"
    answer = form.submit(status=422)
    assert "last group that lets active members manage users" in field_error(
        answer, "permissions")
    assert group_state(registry, "admin")["permissions"] == sorted(ALL_PERMISSIONS)


def test_admin_cannot_remove_own_users_manage_even_if_others_hold_it(admin, registry,
                                                                     make_user):
    # Another group with users.manage and an active member exists...
    staff = group_state(registry, "staff")
    with tenant_request(registry, "acme") as request:
        group = request.tenant_db.get(Group, staff["id"])
        group.permissions = ["records.read", "users.manage"]
    admin_group = group_state(registry, "admin")
    form = admin.get(f"/acme/groups/{admin_group['id']}").forms["group-edit"]
    for box in form.fields["permissions"]:
        box.checked = box._value != "users.manage"
    answer = form.submit(status=422)
    # ...but the acting admin would lose the right through this change.
    assert "lose the right to manage users yourself" in field_error(answer, "permissions")


def test_removing_users_manage_is_allowed_when_nobody_is_locked_out(admin, registry):
    form = admin.get("/acme/groups").forms["group-new"]
    form["name"] = "helpers"
    for box in form.fields["permissions"]:
        box.checked = box._value == "users.manage"
    page = form.submit(status=303).follow()
    form = page.forms["group-edit"]
    for box in form.fields["permissions"]:
        box.checked = False
    form.submit(status=303)
    assert group_state(registry, "helpers")["permissions"] == []


def test_delete_empty_group(admin, registry):
    form = admin.get("/acme/groups").forms["group-new"]
    form["name"] = "temporary"
    page = form.submit(status=303).follow()
    page = page.forms["group-delete"].submit(status=303).follow()
    assert "Group temporary deleted." in page.text
    assert group_state(registry, "temporary") is None
    assert audit_events(registry, "group.delete")[-1]["target"] == "temporary"


def test_group_with_members_cannot_be_deleted(admin, registry):
    staff = group_state(registry, "staff")
    page = admin.get(f"/acme/groups/{staff['id']}")
    assert "group-delete" not in page.forms
    token = page.forms["group-edit"]["csrf_token"].value
    answer = admin.post(f"/acme/groups/{staff['id']}", {"csrf_token": token,
                                                         "action": "delete"}, status=422)
    assert "still has members" in answer.text
    assert group_state(registry, "staff") is not None
    assert not audit_events(registry, "group.delete")


def test_group_named_in_mfa_settings_cannot_be_deleted(admin, registry):
    form = admin.get("/acme/groups").forms["group-new"]
    form["name"] = "secure"
    page = form.submit(status=303).follow()
    with tenant_request(registry, "acme") as request:
        tenant = registry.tenancy.editable(request.dbsession, request.tenant)
        tenant.settings = {"mfa_required_groups": ["secure"]}
    answer = page.forms["group-delete"].submit(status=422)
    assert "require a second factor for secure" in answer.text
    assert group_state(registry, "secure") is not None


def test_unknown_group_is_404(admin):
    admin.get("/acme/groups/424242", status=404)
    admin.get("/acme/groups/x", status=404)


def test_csrf_missing_is_400(admin, registry):
    staff = group_state(registry, "staff")
    admin.post("/acme/groups", {"name": "nocsrf"}, status=400)
    admin.post(f"/acme/groups/{staff['id']}", {"description": "changed"}, status=400)
    assert group_state(registry, "nocsrf") is None
    assert group_state(registry, "staff")["description"] == staff["description"]


@pytest.mark.parametrize("email", ["staff@acme.test", "reader@acme.test"])
def test_non_admins_get_403_audited(testapp, registry, tenant, email):
    console_login(testapp, registry, email)
    testapp.get("/acme/groups", status=403)
    testapp.post("/acme/groups", {"name": "sneaky"}, status=403)
    denied = audit_events(registry, "permission.denied")
    assert [d["details"] for d in denied] == [
        {"permission": "users.manage", "method": "GET"},
        {"permission": "users.manage", "method": "POST"}]
    assert group_state(registry, "sneaky") is None


def test_not_logged_in_is_sent_to_login(testapp, tenant):
    assert "/acme/login" in testapp.get("/acme/groups", status=303).location


def test_two_edits_at_once_cannot_take_users_manage_from_every_group(testapp, tenant, app,
                                                                     registry, backend):
    """One administrator, in two managing groups, takes users.manage from both at once."""
    import webtest

    from tests.concurrency import at_once

    with tenant_request(registry, "acme") as request:
        managers = Group(name="managers", description="",
                         permissions=["records.read", "users.manage"])
        request.tenant_db.add(managers)
        admins = request.tenant_db.scalars(select(Group).where(Group.name == "admin")).one()
        admins.users[0].groups.append(managers)
    admin = testapp
    console_login(admin, registry, "admin@acme.test")
    forms = {}
    for name in ("admin", "managers"):
        form = admin.get(f"/acme/groups/{group_state(registry, name)['id']}").forms["group-edit"]
        for box in form.fields["permissions"]:
            box.checked = box._value not in ("users.manage", "settings.manage")
        forms[name] = form
    cookies = list(admin.cookiejar)

    def send(form):
        def call():
            client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                                         "REMOTE_ADDR": "127.0.0.1"})
            for cookie in cookies:
                client.cookiejar.set_cookie(cookie)
            fields = form.submit_fields()
            return client.post(form.action, fields, status="*")
        return call

    answers = at_once([send(forms["admin"]), send(forms["managers"])])
    assert sorted(answer.status_int for answer in answers) == [303, 422]
    refused = next(answer for answer in answers if answer.status_int == 422)
    assert "last group that lets active members manage users" in field_error(
        refused, "permissions")
    keeping = [name for name in ("admin", "managers")
               if "users.manage" in group_state(registry, name)["permissions"]]
    assert len(keeping) == 1
