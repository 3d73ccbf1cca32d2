"""API sessions (C4): lifetimes per tenant, listing and revoking, logout, password change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from praxcloud.core.models import AuthSession, User, utcnow
from praxcloud.testing import PASSWORD, api_login, bearer
from tests.api.conftest import audit_events, login, set_tenant_settings, tenant_db
from tests.api.samples import NEW_PASSWORD

ME = "/api/v1/acme/me"


def session_of(registry, token_user_id: int) -> AuthSession:
    with tenant_db(registry, "acme") as db:
        return db.scalars(select(AuthSession).where(AuthSession.user_id == token_user_id)
                          .order_by(AuthSession.id.desc())).first()


def shift(registry, session_id: int, **values) -> None:
    with tenant_db(registry, "acme") as db:
        db.execute(update(AuthSession).where(AuthSession.id == session_id).values(**values))


def test_idle_timeout_ends_a_session(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    session = session_of(registry, 2)
    shift(registry, session.id, last_seen_at=utcnow() - dt.timedelta(minutes=29))
    testapp.get(ME, headers=headers)  # 29 minutes idle: still alive, and touched
    assert session_of(registry, 2).last_seen_at > utcnow() - dt.timedelta(minutes=1)
    shift(registry, session.id, last_seen_at=utcnow() - dt.timedelta(minutes=31))
    testapp.get(ME, headers=headers, status=401)


def test_idle_timeout_is_per_tenant(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    session = session_of(registry, 2)
    shift(registry, session.id, last_seen_at=utcnow() - dt.timedelta(minutes=3))
    testapp.get(ME, headers=headers)
    shift(registry, session.id, last_seen_at=utcnow() - dt.timedelta(minutes=3))
    set_tenant_settings(registry, "acme", idle_timeout_minutes=2)
    testapp.get(ME, headers=headers, status=401)
    set_tenant_settings(registry, "acme", idle_timeout_minutes=5)
    # Not revoked, just idle: a longer timeout brings it back, as the policy is read per request.
    testapp.get(ME, headers=headers)


def test_absolute_lifetime_ends_an_active_session(testapp, tenant, registry):
    set_tenant_settings(registry, "acme", session_lifetime_hours=1)
    before = utcnow()
    answer = testapp.post_json("/api/v1/acme/auth/login",
                               {"email": "staff@acme.test", "password": PASSWORD}).json
    expires = dt.datetime.fromisoformat(answer["expires_at"].replace("Z", "+00:00"))
    assert before + dt.timedelta(minutes=59) < expires <= utcnow() + dt.timedelta(hours=1)
    headers = bearer(answer["token"])
    session = session_of(registry, 2)
    testapp.get(ME, headers=headers)
    # Busy all along (just seen) but past its absolute end.
    shift(registry, session.id, expires_at=utcnow() - dt.timedelta(seconds=1),
          last_seen_at=utcnow())
    testapp.get(ME, headers=headers, status=401)


def test_list_and_revoke_own_sessions(testapp, tenant, registry):
    phone = login(testapp, "acme", "staff@acme.test")
    laptop = login(testapp, "acme", "staff@acme.test")
    other = login(testapp, "acme", "reader@acme.test")
    listed = testapp.get("/api/v1/acme/sessions", headers=phone).json["items"]
    assert len(listed) == 2
    assert [s["current"] for s in listed].count(True) == 1
    assert {s["kind"] for s in listed} == {"api"}
    current = next(s for s in listed if s["current"])
    laptop_id = next(s["id"] for s in listed if not s["current"])
    reader_id = session_of(registry, 3).id

    # Another user's session looks like a missing one, and stays alive.
    testapp.delete(f"/api/v1/acme/sessions/{reader_id}", headers=phone, status=404)
    testapp.get(ME, headers=other)
    testapp.delete(f"/api/v1/acme/sessions/{laptop_id}", headers=phone, status=204)
    testapp.get(ME, headers=laptop, status=401)
    testapp.delete(f"/api/v1/acme/sessions/{laptop_id}", headers=phone, status=404)
    listed = testapp.get("/api/v1/acme/sessions", headers=phone).json["items"]
    assert [s["id"] for s in listed] == [current["id"]]
    revokes = audit_events(registry, "acme", "session.revoke")
    assert [(e.actor, e.details) for e in revokes] == [
        ("staff@acme.test", {"session_id": laptop_id})]
    # Naming another user's session is what sessions.manage guards: audited as refused
    # (and heard by plugins such as lockdown), though answered as missing.
    denied = audit_events(registry, "acme", "permission.denied")
    assert [(e.actor, e.details) for e in denied] == [
        ("staff@acme.test", {"permission": "sessions.manage", "method": "DELETE"})]


def test_logout_revokes_the_token(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    other = login(testapp, "acme", "staff@acme.test")
    testapp.post("/api/v1/acme/auth/logout", headers=headers, status=204)
    testapp.get(ME, headers=headers, status=401)
    testapp.post("/api/v1/acme/auth/logout", headers=headers, status=401)
    testapp.get(ME, headers=other)  # only that one session ended
    [event] = audit_events(registry, "acme", "logout")
    assert (event.outcome, event.actor, event.target) == (
        "success", "staff@acme.test", "staff@acme.test")


def test_password_change_ends_other_sessions_and_keeps_this_one(testapp, tenant, registry):
    current = login(testapp, "acme", "staff@acme.test")
    other = login(testapp, "acme", "staff@acme.test")
    bystander = login(testapp, "acme", "reader@acme.test")
    testapp.post_json("/api/v1/acme/me/password",
                      {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                      headers=current, status=204)
    testapp.get(ME, headers=current)
    testapp.get(ME, headers=other, status=401)
    testapp.get(ME, headers=bystander)
    assert len(testapp.get("/api/v1/acme/sessions", headers=current).json["items"]) == 1
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": PASSWORD}, status=401)
    api_login(testapp, "acme", "staff@acme.test", NEW_PASSWORD)
    [event] = [e for e in audit_events(registry, "acme", "password.change")]
    assert (event.outcome, event.actor) == ("success", "staff@acme.test")


def test_wrong_current_password_is_403_audited_and_changes_nothing(testapp, tenant, registry):
    current = login(testapp, "acme", "staff@acme.test")
    other = login(testapp, "acme", "staff@acme.test")
    with tenant_db(registry, "acme") as db:
        hash_before = db.get(User, 2).password_hash
    answer = testapp.post_json("/api/v1/acme/me/password",
                               {"current_password": "not my password",
                                "new_password": NEW_PASSWORD},
                               headers=current, status=403).json
    assert answer["error"]["code"] == "invalid_credentials"
    assert answer["error"]["fields"] == {"current_password": "not right"}
    testapp.get(ME, headers=other)
    with tenant_db(registry, "acme") as db:
        assert db.get(User, 2).password_hash == hash_before
    [event] = audit_events(registry, "acme", "password.change")
    assert (event.outcome, event.actor, event.details) == (
        "failure", "staff@acme.test",
        {"reason": "wrong current password", "failures": 1, "session_ended": False})


def test_a_too_short_new_password_is_422_and_changes_nothing(testapp, tenant, registry):
    current = login(testapp, "acme", "staff@acme.test")
    other = login(testapp, "acme", "staff@acme.test")
    answer = testapp.post_json("/api/v1/acme/me/password",
                               {"current_password": PASSWORD, "new_password": "short"},
                               headers=current, status=422).json
    assert answer["error"]["code"] == "password_rejected"
    # Named as the body names it.
    assert answer["error"]["fields"] == {"new_password": "use at least 8 characters."}
    testapp.get(ME, headers=other)
    api_login(testapp, "acme", "staff@acme.test", PASSWORD)


def test_a_console_session_token_is_not_an_api_token(testapp, tenant, registry):
    from praxcloud.core.models import KIND_CONSOLE
    from praxcloud.core.scripting import tenant_request
    from praxcloud.core.security import tenant_sessions

    with tenant_request(registry, "acme") as request:
        user = request.tenant_db.get(User, 2)
        token, _ = tenant_sessions(request).create(user, KIND_CONSOLE, None, None)
    testapp.get(ME, headers=bearer(token), status=401)


def test_deactivated_user_loses_sessions_at_once(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    with tenant_db(registry, "acme") as db:
        db.get(User, 2).is_active = False
    testapp.get(ME, headers=headers, status=401)
