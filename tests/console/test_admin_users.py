"""Tenant administrators manage users in the console."""

from __future__ import annotations

import re

import pytest
import webtest
from sqlalchemy import select

from praxcloud.core.local_auth import find_user_by_email
from praxcloud.core.models import AuthSession, User
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD, api_login, bearer
from tests.console.admin_support import (
    audit_events,
    console_login,
    field_error,
    mail_text,
    mails,
)


def user_id(registry, email):
    with tenant_request(registry, "acme") as request:
        return find_user_by_email(request.tenant_db, email).id


def user_state(registry, email):
    with tenant_request(registry, "acme") as request:
        user = find_user_by_email(request.tenant_db, email)
        if user is None:
            return None
        return {"name": user.display_name, "groups": user.group_names,
                "active": user.is_active, "has_password": bool(user.password_hash)}


def live_sessions(registry, email):
    with tenant_request(registry, "acme") as request:
        user = find_user_by_email(request.tenant_db, email)
        return list(request.tenant_db.scalars(
            select(AuthSession.id).where(AuthSession.user_id == user.id,
                                         AuthSession.revoked_at.is_(None))))


@pytest.fixture
def admin(testapp, registry, tenant):
    console_login(testapp, registry, "admin@acme.test")
    return testapp


def test_list_shows_users_with_groups_status_and_last_login(admin, registry, testapp):
    api_login(testapp, "acme", "staff@acme.test")  # sets last_login_at
    page = admin.get("/acme/users")
    rows = {row.find("a").get_text(): row for row in page.html.select("table.listing tbody tr")}
    assert set(rows) == {"admin@acme.test", "staff@acme.test", "reader@acme.test"}
    staff = rows["staff@acme.test"].get_text(" ", strip=True)
    assert "staff" in staff and "active" in staff and "UTC" in staff
    assert "never" in rows["reader@acme.test"].get_text(" ", strip=True)


def test_search_and_pagination(admin, registry, make_user):
    for number in range(55):
        with tenant_request(registry, "acme") as request:
            request.tenant_db.add(User(email=f"person{number:02}@acme.test"))
    first = admin.get("/acme/users")
    assert len(first.html.select("table.listing tbody tr")) == 50
    assert "Page 1 of 2" in first.text
    second = first.click(linkid=None, href=r"page=2")
    assert len(second.html.select("table.listing tbody tr")) == 8
    found = admin.get("/acme/users", {"q": "PERSON0"})
    assert len(found.html.select("table.listing tbody tr")) == 10
    # LIKE wildcards typed by the admin are taken literally.
    assert "No user matches" in admin.get("/acme/users", {"q": "%"}).text


def test_create_user_with_an_invitation(admin, registry, settings):
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = "  New.Person@Acme.test "
    form["display_name"] = "New Person"
    form.get("groups", index=2).checked = True  # staff (groups sorted by name)
    page = form.submit(status=303).follow()
    assert "an invitation to choose a password was mailed to them, valid for 7 days" in page.text
    assert user_state(registry, "new.person@acme.test") == {
        "name": "New Person", "groups": ["staff"], "active": True, "has_password": False}
    sent = [m for m in mails(settings) if m["To"] == "new.person@acme.test"]
    assert len(sent) == 1
    link = re.search(r"http://localhost(/acme/welcome/\S+)", mail_text(sent[0]))
    assert link is not None
    created = audit_events(registry, "user.create")[-1]
    assert created["actor"] == "admin@acme.test" and created["details"] == {"groups": ["staff"]}
    invited = audit_events(registry, "user.invited")[-1]
    assert (invited["actor"], invited["target"]) == ("admin@acme.test", "new.person@acme.test")
    assert audit_events(registry, "password.reset_request") == []


def test_new_user_chooses_password_through_the_link(admin, registry, settings, testapp):
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = "linked@acme.test"
    form.get("groups", index=2).checked = True  # staff
    form.submit(status=303)
    (sent,) = [m for m in mails(settings) if m["To"] == "linked@acme.test"]
    path = re.search(r"http://localhost(/acme/welcome/\S+)", mail_text(sent)).group(1)
    visitor = webtest.TestApp(testapp.app, extra_environ=testapp.extra_environ)
    reset = visitor.get(path).forms["invitation-form"]
    reset["password"] = reset["confirm"] = "chosen by the person"
    reset.submit(status=303)
    assert api_login(visitor, "acme", "linked@acme.test", "chosen by the person")


def test_create_user_with_initial_password(admin, registry, testapp):
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = "helper@acme.test"
    form.get("groups", index=2).checked = True  # staff
    form["onboarding"] = "chosen"
    form["password"] = "a long enough password"
    form.submit(status=303)
    assert user_state(registry, "helper@acme.test")["has_password"]
    assert api_login(testapp, "acme", "helper@acme.test", "a long enough password")


def test_duplicate_email_is_a_form_error_and_nothing_saved(admin, registry):
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = "STAFF@acme.test"
    form.get("groups", index=2).checked = True  # staff
    form["display_name"] = "Someone Else"
    page = form.submit(status=422)
    assert "already exists" in field_error(page, "email")
    assert page.forms["user-new"]["display_name"].value == "Someone Else"
    assert user_state(registry, "staff@acme.test")["name"] == ""
    assert not audit_events(registry, "user.create")[3:]  # only the fixture's three


def test_rejected_password_saves_nothing(admin, registry, settings):
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = "short@acme.test"
    form.get("groups", index=2).checked = True  # staff
    form["onboarding"] = "chosen"
    form["password"] = "short"
    page = form.submit(status=422)
    assert "at least 8 characters" in field_error(page, "password")
    # The password is never sent back.
    assert page.forms["user-new"]["password"].value == ""
    assert user_state(registry, "short@acme.test") is None
    assert not audit_events(registry, "user.create")[3:]


@pytest.mark.parametrize("email, message", [
    ("", "Enter the person's e-mail"), ("not-an-address", "like name@example.org"),
    ("a@" + "b" * 260 + ".org", "like name@example.org")])
def test_bad_email_is_refused(admin, registry, email, message):
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = email
    page = form.submit(status=422)
    assert message in field_error(page, "email")


def test_initial_password_mode_needs_a_password(admin, registry):
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = "x@acme.test"
    form["onboarding"] = "chosen"
    page = form.submit(status=422)
    assert "Enter an initial password" in field_error(page, "password")
    assert user_state(registry, "x@acme.test") is None


def test_unknown_group_is_refused(admin, registry):
    token = admin.get("/acme/users/new").forms["user-new"]["csrf_token"].value
    page = admin.post("/acme/users/new", {"csrf_token": token, "email": "g@acme.test",
                                          "groups": "wizards", "onboarding": "link"},
                      status=422)
    assert "No such group: wizards" in field_error(page, "groups")
    assert user_state(registry, "g@acme.test") is None


def test_edit_name_and_groups_is_audited(admin, registry):
    staff = user_id(registry, "staff@acme.test")
    form = admin.get(f"/acme/users/{staff}").forms["user-edit"]
    form["display_name"] = "Sam Staff"
    for checkbox in form.fields["groups"]:
        checkbox.checked = checkbox._value in ("staff", "read-only")
    page = form.submit(status=303).follow()
    assert "saved" in page.text
    assert user_state(registry, "staff@acme.test")["groups"] == ["read-only", "staff"]
    update = audit_events(registry, "user.update")[-1]
    assert update["target"] == "staff@acme.test"
    assert update["details"] == {"display_name_changed": True, "groups_added": ["read-only"],
                                 "groups_removed": []}


def test_deactivating_revokes_sessions(admin, registry, testapp):
    token = api_login(testapp, "acme", "staff@acme.test")
    assert live_sessions(registry, "staff@acme.test")
    staff = user_id(registry, "staff@acme.test")
    form = admin.get(f"/acme/users/{staff}").forms["user-edit"]
    form["is_active"] = False
    page = form.submit(status=303).follow()
    assert "deactivated" in page.text
    assert not live_sessions(registry, "staff@acme.test")
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=401)
    update = audit_events(registry, "user.update")[-1]
    assert update["details"]["active"] is False and update["details"]["sessions_ended"] == 1
    # An inactive user cannot log in any more.
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": PASSWORD}, status=401)


def test_admin_cannot_deactivate_self_or_drop_own_admin_group(admin, registry):
    me = user_id(registry, "admin@acme.test")
    page = admin.get(f"/acme/users/{me}")
    assert "cannot deactivate it" in page.text
    token = page.forms["user-edit"]["csrf_token"].value
    answer = admin.post(f"/acme/users/{me}", {"csrf_token": token, "groups": "admin"},
                        status=422)
    assert "cannot deactivate your own account" in field_error(answer, "is_active")
    answer = admin.post(f"/acme/users/{me}", {"csrf_token": token, "groups": "staff",
                                              "is_active": "on"}, status=422)
    assert "cannot remove your own right to manage users" in field_error(answer, "groups")
    assert user_state(registry, "admin@acme.test") == {
        "name": "", "groups": ["admin"], "active": True, "has_password": True}


def test_admin_revokes_all_sessions_of_a_user(admin, registry, testapp):
    tokens = [api_login(testapp, "acme", "reader@acme.test") for _ in range(2)]
    reader = user_id(registry, "reader@acme.test")
    page = admin.get(f"/acme/users/{reader}")
    assert len(page.html.select("table.listing tbody tr")) == 2
    page = page.forms["revoke-sessions"].submit(status=303).follow()
    assert "2 session(s) of reader@acme.test ended" in page.text
    for token in tokens:
        testapp.get("/api/v1/acme/me", headers=bearer(token), status=401)
    revoked = audit_events(registry, "session.revoke")[-1]
    assert revoked["actor"] == "admin@acme.test" and revoked["target"] == "reader@acme.test"
    assert revoked["details"] == {"user_id": reader, "all": True, "count": 2}


def test_revoking_own_sessions_keeps_the_current_one(admin, registry, testapp):
    other = api_login(testapp, "acme", "admin@acme.test")
    me = user_id(registry, "admin@acme.test")
    admin.get(f"/acme/users/{me}").forms["revoke-sessions"].submit(status=303)
    testapp.get("/api/v1/acme/me", headers=bearer(other), status=401)
    assert admin.get("/acme/users").status_int == 200


def test_unknown_user_is_404(admin):
    admin.get("/acme/users/999999", status=404)
    admin.get("/acme/users/abc", status=404)


def test_csrf_missing_is_400(admin, registry):
    staff = user_id(registry, "staff@acme.test")
    admin.post(f"/acme/users/{staff}", {"display_name": "X", "groups": "staff"}, status=400)
    admin.post(f"/acme/users/{staff}/revoke-sessions", status=400)
    admin.post("/acme/users/new", {"email": "c@acme.test"}, status=400)
    assert user_state(registry, "staff@acme.test")["name"] == ""
    assert user_state(registry, "c@acme.test") is None


@pytest.mark.parametrize("email", ["staff@acme.test", "reader@acme.test"])
@pytest.mark.parametrize("path", ["/acme/users", "/acme/users/new", "/acme/users/1"])
def test_non_admins_get_403_audited(testapp, registry, tenant, email, path):
    console_login(testapp, registry, email)
    testapp.get(path, status=403)
    denied = audit_events(registry, "permission.denied")[-1]
    assert denied["actor"] == email and denied["outcome"] == "failure"
    assert denied["details"]["permission"] == "users.manage"
    assert denied["target"] == path


def test_non_admin_cannot_end_sessions(testapp, registry, tenant):
    token = api_login(testapp, "acme", "reader@acme.test")
    console_login(testapp, registry, "staff@acme.test")
    reader = user_id(registry, "reader@acme.test")
    testapp.post(f"/acme/users/{reader}/revoke-sessions", status=403)
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=200)
    denied = audit_events(registry, "permission.denied")[-1]
    assert denied["details"] == {"permission": "sessions.manage", "method": "POST"}


def test_not_logged_in_is_sent_to_login(testapp, tenant):
    answer = testapp.get("/acme/users", status=303)
    assert answer.location.startswith("http://localhost/acme/login")
    assert "next=" in answer.location


def test_admin_pages_work_after_a_real_console_login(testapp, tenant):
    form = testapp.get("/acme/login").forms["login-form"]
    form["email"] = "admin@acme.test"
    form["password"] = PASSWORD
    form.submit(status=303)
    page = testapp.get("/acme/users")
    form = page.click("Add user").forms["user-new"]
    form["email"] = "via-login@acme.test"
    form.get("groups", index=2).checked = True  # staff
    assert "via-login@acme.test" in form.submit(status=303).follow().text


def test_names_are_escaped(admin, registry):
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = "markup@acme.test"
    form.get("groups", index=2).checked = True  # staff
    form["display_name"] = "<script>alert(1)</script>"
    form.submit(status=303)
    page = admin.get("/acme/users")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_the_last_manager_refusal_is_worded_for_the_page():
    """Reached only by two changes at once (tests/core/test_user_admin.py): its sentence here."""
    from types import SimpleNamespace

    from praxcloud.core.console.admin_users import refusal_message
    from praxcloud.core.user_admin import LastManager

    refused = LastManager(SimpleNamespace(email="admin@acme.test"), "is_active")
    assert refused.field == "is_active"
    assert refusal_message(refused) == (
        "admin@acme.test is the last active user who can manage users: give another active "
        "user a group with users.manage first.")
