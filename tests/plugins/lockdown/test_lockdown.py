"""lockdown on each escalation path: the lock, the revocation, the mail; and the unlock.

Written against praxcloud.plugin and praxcloud.testing only.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from praxcloud.testing import PASSWORD, api_login, bearer

NAME = "lockdown"
STAFF = "staff@acme.test"


@pytest.fixture
def guarded(make_tenant, make_user):
    def make(**settings):
        make_tenant("acme", "Acme Care", plugins={NAME: settings})
        make_user("acme", "admin@acme.test", groups=("admin",))
        make_user("acme", "admin2@acme.test", groups=("admin",))
        staff_id = make_user("acme", STAFF, groups=("staff",))
        return staff_id
    return make


def assert_locked(testapp, tenant_request, mailbox, token: str, reason: str = "escalation"):
    """The account is disabled, its sessions ended, audited, and the managers told."""
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=401)
    refused = testapp.post_json("/api/v1/acme/auth/login",
                                {"email": STAFF, "password": PASSWORD}, status=401)
    assert refused.json["error"]["code"] == "invalid_credentials"
    with tenant_request("acme") as request:
        active, = request.tenant_db.execute(text(
            "SELECT is_active FROM users WHERE email = :e"), {"e": STAFF}).one()
        live = request.tenant_db.execute(text(
            "SELECT count(*) FROM auth_sessions s JOIN users u ON u.id = s.user_id "
            "WHERE u.email = :e AND s.revoked_at IS NULL"), {"e": STAFF}).scalar()
        events = request.tenant_db.execute(text(
            "SELECT event, details FROM audit_events WHERE event = 'lockdown.locked'")).all()
    assert not active and live == 0
    assert len(events) == 1 and reason in str(events[0][1])
    for manager in ("admin@acme.test", "admin2@acme.test"):
        mail = mailbox.last(manager)
        assert f"{STAFF} has been locked out" in mail.subject
        assert "/acme/locked-users" in mail.link("locked-users")
    assert mailbox.to(STAFF) == []


def test_editing_ones_own_groups_locks_at_once(testapp, guarded, tenant_request, mailbox):
    staff_id = guarded()
    token = api_login(testapp, "acme", STAFF)
    testapp.patch_json(f"/api/v1/acme/users/{staff_id}", {"groups": ["admin"]},
                       headers=bearer(token), status=403)
    assert_locked(testapp, tenant_request, mailbox, token)


def test_calling_an_administrators_route_locks(testapp, guarded, tenant_request, mailbox):
    guarded()
    token = api_login(testapp, "acme", STAFF)
    testapp.post_json("/api/v1/acme/users", {"email": "mine@acme.test", "groups": ["admin"]},
                      headers=bearer(token), status=403)
    assert_locked(testapp, tenant_request, mailbox, token)


def test_the_console_path_locks_too(testapp, guarded, tenant_request, mailbox, console_client):
    guarded()
    staff = console_client("acme", STAFF)
    staff.post("/acme/plugins/lockdown", {"csrf_token": staff.csrf_token,
                                          "setting.soft_threshold": "1000"}, status=403)
    # The console session ended as well: back to the login page.
    assert "/acme/login" in staff.get("/acme/records", status=303).location
    with tenant_request("acme") as request:
        active, = request.tenant_db.execute(text(
            "SELECT is_active FROM users WHERE email = :e"), {"e": STAFF}).one()
    assert not active
    assert f"{STAFF} has been locked out" in mailbox.last("admin@acme.test").subject


def test_pages_one_simply_lacks_count_towards_the_soft_threshold(testapp, guarded,
                                                                tenant_request, mailbox):
    guarded(soft_threshold=3)
    token = api_login(testapp, "acme", STAFF)
    for _ in range(2):
        testapp.get("/api/v1/acme/users", headers=bearer(token), status=403)
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=200)
    testapp.get("/api/v1/acme/users", headers=bearer(token), status=403)
    assert_locked(testapp, tenant_request, mailbox, token, reason="repeated_denials")


def test_only_an_administrator_unlocks(testapp, guarded, tenant_request, mailbox):
    staff_id = guarded()
    token = api_login(testapp, "acme", STAFF)
    testapp.patch_json(f"/api/v1/acme/users/{staff_id}", {"groups": ["admin"]},
                       headers=bearer(token), status=403)
    admin = bearer(api_login(testapp, "acme", "admin@acme.test"))
    locks = testapp.get("/api/v1/acme/locked-users", headers=admin).json["locks"]
    assert [(lock["email"], lock["reason"], lock["method"]) for lock in locks] == [
        (STAFF, "escalation", "PATCH")]
    answer = testapp.post(f"/api/v1/acme/locked-users/{locks[0]['id']}/unlock",
                          headers=admin).json
    assert answer == {"user_id": staff_id, "email": STAFF, "is_active": True}
    testapp.post(f"/api/v1/acme/locked-users/{locks[0]['id']}/unlock", headers=admin,
                 status=404)
    assert testapp.get("/api/v1/acme/locked-users", headers=admin).json["locks"] == []
    # Logs in again; the old token stays ended.
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=401)
    api_login(testapp, "acme", STAFF)


def test_the_console_page_lists_and_unlocks(testapp, guarded, console_client):
    staff_id = guarded()
    token = api_login(testapp, "acme", STAFF)
    testapp.patch_json(f"/api/v1/acme/users/{staff_id}", {"groups": ["admin"]},
                       headers=bearer(token), status=403)
    admin = console_client("acme", "admin@acme.test")
    page = admin.get("/acme/locked-users")
    row = page.html.select_one("#locked-users tbody tr").get_text(" ", strip=True)
    assert STAFF in row and "PATCH" in row and "users.manage" in row
    form = next(form for key, form in page.forms.items()
                if str(key).startswith("unlock-"))
    form.submit(status=303)
    assert "No user is locked out" in admin.get("/acme/locked-users").html.get_text()
    api_login(testapp, "acme", STAFF)


def test_ending_another_users_session_by_its_id_locks(testapp, guarded, tenant_request,
                                                       mailbox):
    guarded()
    admin = bearer(api_login(testapp, "acme", "admin@acme.test"))
    admin_session = testapp.get("/api/v1/acme/sessions", headers=admin).json["items"][0]["id"]
    token = api_login(testapp, "acme", STAFF)
    # Answered like a missing session: nothing tells the user it exists.
    testapp.delete(f"/api/v1/acme/sessions/{admin_session}", headers=bearer(token),
                   status=404)
    assert_locked(testapp, tenant_request, mailbox, token)
    testapp.get("/api/v1/acme/me", headers=admin, status=200)  # the admin's session lives


def test_a_session_sent_to_another_institutions_address_locks(testapp, guarded, make_tenant,
                                                              tenant_request, mailbox):
    guarded()
    make_tenant("other", "Other Care")
    token = api_login(testapp, "acme", STAFF)
    # The other tenant answers as to anyone it does not know...
    refused = testapp.get("/api/v1/other/records", headers=bearer(token), status=401)
    assert refused.json["error"]["code"] == "unauthorized"
    # ...and the user's own tenant locks them out.
    assert_locked(testapp, tenant_request, mailbox, token)
    assert "another institution's address" in mailbox.last("admin@acme.test").text
    admin = bearer(api_login(testapp, "acme", "admin@acme.test"))
    lock, = testapp.get("/api/v1/acme/locked-users", headers=admin).json["locks"]
    assert (lock["attempt"], lock["at_tenant"], lock["path"]) == (
        "foreign_tenant", "other", "/api/v1/other/records")
    with tenant_request("other") as request:
        # The other tenant's trail learns nothing of acme's user.
        assert STAFF not in str(request.tenant_db.execute(text(
            "SELECT actor, target, details FROM audit_events")).all())


def test_a_console_cookie_sent_to_another_institution_locks(testapp, guarded, make_tenant,
                                                            tenant_request, mailbox,
                                                            console_client):
    guarded()
    make_tenant("other", "Other Care")
    staff = console_client("acme", STAFF)
    cookie = staff.cookies["praxcloud_session"]
    answer = testapp.get("/other/records", headers={"Cookie": f"praxcloud_session={cookie}"},
                         status=303)
    assert "/other/login" in answer.location
    assert "/acme/login" in staff.get("/acme/records", status=303).location
    assert f"{STAFF} has been locked out" in mailbox.last("admin@acme.test").subject


def test_another_users_csrf_token_locks(testapp, guarded, tenant_request, mailbox,
                                        console_client):
    guarded()
    admin = console_client("acme", "admin@acme.test")
    staff = console_client("acme", STAFF)
    page = staff.post("/acme/account",
                      {"csrf_token": admin.csrf_token}, status=400)
    assert "Please try again" in page.text
    assert "/acme/login" in staff.get("/acme/records", status=303).location
    mail = mailbox.last("admin@acme.test")
    assert f"{STAFF} has been locked out" in mail.subject
    assert "a token of another user's session" in mail.text
    admin.get("/acme/records", status=200)  # the token's owner is not touched


def test_a_stale_or_mistyped_csrf_token_does_not_lock(testapp, guarded, console_client):
    guarded()
    staff = console_client("acme", STAFF)
    staff.post("/acme/account", {"csrf_token": "x" * 43}, status=400)
    staff.get("/acme/records", status=200)
