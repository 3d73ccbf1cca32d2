"""Tenant administrators manage users through the API (C2, C4)."""

from __future__ import annotations

from praxcloud.core.models import User
from praxcloud.testing import api_login
from tests.api.conftest import audit_events, count, login, table_counts, tenant_db
from tests.api.samples import NEW_PASSWORD

U = "/api/v1/acme/users"


def test_admin_creates_lists_reads_and_changes_users(testapp, tenant, registry):
    admin = login(testapp, "acme", "admin@acme.test")
    made = testapp.post_json(U, {"email": "New.Person@Acme.test", "groups": ["staff"],
                                 "display_name": " New Person ", "password": NEW_PASSWORD},
                             headers=admin, status=201).json
    assert made["email"] == "new.person@acme.test"
    assert made["display_name"] == "New Person"
    assert made["groups"] == ["staff"] and made["is_active"] is True
    assert made["last_login_at"] is None
    api_login(testapp, "acme", "new.person@acme.test", NEW_PASSWORD)

    listing = testapp.get(U, headers=admin).json
    assert listing["total"] == 4
    assert [u["email"] for u in listing["items"]] == sorted(u["email"] for u in listing["items"])
    assert testapp.get(U, {"q": "NEW.P"}, headers=admin).json["total"] == 1
    assert testapp.get(U, {"q": "_"}, headers=admin).json["total"] == 0
    assert testapp.get(f"{U}/{made['id']}", headers=admin).json["last_login_at"] is not None

    changed = testapp.patch_json(f"{U}/{made['id']}", {"groups": ["read-only", "staff"],
                                                        "display_name": "Renamed"},
                                 headers=admin).json
    assert changed["groups"] == ["read-only", "staff"] and changed["display_name"] == "Renamed"
    [update] = audit_events(registry, "acme", "user.update")
    assert update.details == {"groups_added": ["read-only"], "groups_removed": [],
                              "display_name_changed": True}
    assert [e.target for e in audit_events(registry, "acme", "user.create")][-1] == \
        "new.person@acme.test"


def test_unknown_groups_and_short_passwords_write_nothing(testapp, tenant, registry):
    admin = login(testapp, "acme", "admin@acme.test")
    before = table_counts(registry, "acme")
    answer = testapp.post_json(U, {"email": "x@acme.test", "groups": ["wizards"]},
                               headers=admin, status=422).json
    assert answer["error"]["fields"] == {"groups": "unknown: wizards"}
    answer = testapp.post_json(U, {"email": "x@acme.test", "groups": ["staff"],
                                   "password": "short"}, headers=admin, status=422).json
    assert answer["error"]["code"] == "password_rejected"
    testapp.patch_json(f"{U}/2", {"groups": ["staff", "wizards"]}, headers=admin, status=422)
    testapp.post_json(U, {"email": "not-an-email", "groups": []}, headers=admin, status=422)
    assert table_counts(registry, "acme") == before
    assert count(registry, "acme", User) == 3


def test_deactivating_a_user_ends_their_sessions_and_login(testapp, tenant, registry):
    admin = login(testapp, "acme", "admin@acme.test")
    staff = login(testapp, "acme", "staff@acme.test")
    testapp.patch_json(f"{U}/2", {"is_active": False}, headers=admin)
    testapp.get("/api/v1/acme/me", headers=staff, status=401)
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": "correct horse battery staple"},
                      status=401)
    testapp.patch_json(f"{U}/2", {"is_active": True}, headers=admin)
    testapp.get("/api/v1/acme/me", headers=staff, status=401)  # revoked, not just paused
    api_login(testapp, "acme", "staff@acme.test")


def test_admins_cannot_lock_themselves_out(testapp, tenant, registry):
    admin = login(testapp, "acme", "admin@acme.test")
    answer = testapp.patch_json(f"{U}/1", {"is_active": False}, headers=admin, status=409).json
    assert answer["error"]["code"] == "self_lockout"
    testapp.patch_json(f"{U}/1", {"groups": ["staff"]}, headers=admin, status=409)
    with tenant_db(registry, "acme") as db:
        me = db.get(User, 1)
        assert me.is_active and me.group_names == ["admin"]


def test_revoke_all_sessions_of_a_user(testapp, tenant, registry):
    admin = login(testapp, "acme", "admin@acme.test")
    admin_other = login(testapp, "acme", "admin@acme.test")
    staff = [login(testapp, "acme", "staff@acme.test") for _ in range(2)]
    assert testapp.delete(f"{U}/2/sessions", headers=admin).json == {"revoked": 2}
    for headers in staff:
        testapp.get("/api/v1/acme/me", headers=headers, status=401)
    # One's own: the others end, the one in use stays.
    assert testapp.delete(f"{U}/1/sessions", headers=admin).json == {"revoked": 1}
    testapp.get("/api/v1/acme/me", headers=admin)
    testapp.get("/api/v1/acme/me", headers=admin_other, status=401)
    testapp.delete(f"{U}/99/sessions", headers=admin, status=404)
    events = audit_events(registry, "acme", "session.revoke")
    assert [(e.target, e.details["count"]) for e in events] == [
        ("staff@acme.test", 2), ("admin@acme.test", 1)]
