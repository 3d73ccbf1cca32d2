"""The rules of user management, checked on the service the API, console and CLI share.

Each test drives :mod:`praxcloud.core.user_admin` inside a scripted tenant
request, as the CLI does; ``by`` is the identity of the administrator
making the change. Runs on SQLite and PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from praxcloud.core.accounts import DuplicateEmail, PasswordRejected
from praxcloud.core.local_auth import find_user_by_email
from praxcloud.core.models import AuditEvent, AuthSession, Group, User
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import Identity, tenant_sessions
from praxcloud.core.user_admin import (
    LastManager,
    OwnDeactivation,
    OwnManagementRight,
    UnknownGroups,
    UserChange,
    UserChangeRefused,
    change_user,
    create_user,
    end_sessions,
    refusals,
)
from tests.concurrency import JOIN_TIMEOUT, at_once


def identity(request, email: str, session=None) -> Identity:
    user = find_user_by_email(request.tenant_db, email)
    request.praxcloud_identity = found = Identity(user=user, session=session, kind="console")
    return found


def state(registry, email: str) -> dict:
    with tenant_request(registry, "acme") as request:
        user = find_user_by_email(request.tenant_db, email)
        return {"groups": user.group_names, "active": user.is_active,
                "name": user.display_name}


def events(registry, name: str) -> list[AuditEvent]:
    with tenant_request(registry, "acme") as request:
        rows = list(request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)))
        request.tenant_db.expunge_all()
        return rows


def change(registry, email: str, by_email: str | None = None, **what) -> dict:
    """Change ``email`` as ``by_email`` (None: as the CLI does) in a transaction of its own."""
    with tenant_request(registry, "acme") as request:
        by = identity(request, by_email) if by_email else None
        user = find_user_by_email(request.tenant_db, email)
        return change_user(request, user, UserChange(**what), by=by)


def open_sessions(registry, email: str, count: int) -> list[int]:
    with tenant_request(registry, "acme") as request:
        user = find_user_by_email(request.tenant_db, email)
        store = tenant_sessions(request)
        made = [store.create(user, "api", None, None)[1] for _ in range(count)]
        request.tenant_db.flush()
        return [session.id for session in made]


def live_session_ids(registry, email: str) -> list[int]:
    with tenant_request(registry, "acme") as request:
        user = find_user_by_email(request.tenant_db, email)
        return [session.id for session in tenant_sessions(request).live_for_user(user)]


def add_admin(registry, email: str) -> None:
    with tenant_request(registry, "acme") as request:
        create_user(request, email, None, ["admin"])


# Adding ---------------------------------------------------------------------
def test_create_user_normalises_the_address_and_audits_the_groups(registry, tenant):
    with tenant_request(registry, "acme") as request:
        user = create_user(request, " New.Person@Acme.test", None, ["staff", "read-only"],
                           display_name="New Person")
        assert (user.email, user.password_hash) == ("new.person@acme.test", None)
    assert state(registry, "new.person@acme.test") == {
        "groups": ["read-only", "staff"], "active": True, "name": "New Person"}
    created = events(registry, "user.create")[-1]
    assert (created.target, created.details) == ("new.person@acme.test",
                                                 {"groups": ["read-only", "staff"]})


def test_create_user_refuses_unknown_groups_duplicates_and_weak_passwords(registry, tenant):
    def create(*args):
        with tenant_request(registry, "acme") as request:
            return create_user(request, *args)

    with pytest.raises(UnknownGroups) as refused:
        create("x@acme.test", None, ["staff", "wizards", "elves"])
    assert (refused.value.code, refused.value.status, refused.value.message) == (
        "unknown_group", 422, "no such group")
    assert refused.value.fields == {"groups": "unknown: elves, wizards"}
    with pytest.raises(DuplicateEmail):
        create("STAFF@acme.test", None, ["staff"])
    with pytest.raises(PasswordRejected):
        create("y@acme.test", "short", ["staff"])
    assert len(events(registry, "user.create")) == 3  # the fixture's users only


# Changing -------------------------------------------------------------------
def test_a_change_is_audited_with_what_changed(registry, tenant):
    details = change(registry, "staff@acme.test", "admin@acme.test", display_name="Sam",
                     groups=["staff", "read-only"], is_active=True)
    assert details == {"display_name_changed": True, "groups_added": ["read-only"],
                       "groups_removed": []}
    assert state(registry, "staff@acme.test") == {
        "groups": ["read-only", "staff"], "active": True, "name": "Sam"}
    update = events(registry, "user.update")[-1]
    assert (update.actor, update.target, update.details) == (
        "admin@acme.test", "staff@acme.test", details)


def test_an_unchanged_user_is_not_audited(registry, tenant):
    assert change(registry, "staff@acme.test", "admin@acme.test", display_name="",
                  groups=["staff"], is_active=True) == {}
    assert events(registry, "user.update") == []


def test_deactivating_ends_the_users_sessions_and_reactivating_does_not_revive_them(
        registry, tenant):
    open_sessions(registry, "staff@acme.test", 2)
    details = change(registry, "staff@acme.test", "admin@acme.test", is_active=False)
    assert details == {"active": False, "sessions_ended": 2}
    assert live_session_ids(registry, "staff@acme.test") == []
    assert change(registry, "staff@acme.test", "admin@acme.test", is_active=True) == {
        "active": True}
    assert live_session_ids(registry, "staff@acme.test") == []


def test_unknown_groups_are_refused_and_nothing_is_written(registry, tenant):
    with pytest.raises(UnknownGroups) as refused:
        change(registry, "staff@acme.test", "admin@acme.test", display_name="Sam",
               groups=["staff", "wizards"])
    assert (refused.value.field, refused.value.names) == ("groups", ["wizards"])
    assert state(registry, "staff@acme.test")["name"] == ""
    assert events(registry, "user.update") == []


def test_an_administrator_cannot_deactivate_themself(registry, tenant):
    with pytest.raises(OwnDeactivation) as refused:
        change(registry, "admin@acme.test", "admin@acme.test", is_active=False)
    assert isinstance(refused.value, UserChangeRefused)
    assert (refused.value.code, refused.value.status, refused.value.message,
            refused.value.fields) == ("self_lockout", 409,
                                      "you cannot deactivate your own account",
                                      {"is_active": "not for your own account"})
    assert state(registry, "admin@acme.test")["active"] is True


def test_an_administrator_cannot_take_away_their_own_right_to_manage_users(registry, tenant):
    with pytest.raises(OwnManagementRight) as refused:
        change(registry, "admin@acme.test", "admin@acme.test", groups=["staff"])
    assert (refused.value.code, refused.value.status, refused.value.fields) == (
        "self_lockout", 409, {"groups": "keep a group with users.manage"})
    assert state(registry, "admin@acme.test")["groups"] == ["admin"]
    # Another group that grants users.manage will do.
    with tenant_request(registry, "acme") as request:
        request.tenant_db.add(Group(name="managers", description="",
                                    permissions=["users.manage"]))
    change(registry, "admin@acme.test", "admin@acme.test", groups=["managers"])
    assert state(registry, "admin@acme.test")["groups"] == ["managers"]


def test_refusals_lists_every_broken_rule_in_the_apis_order(registry, tenant):
    with tenant_request(registry, "acme") as request:
        by = identity(request, "admin@acme.test")
        me = by.user
        found = refusals(request, me, UserChange(groups=["wizards"], is_active=False), by=by)
        assert [type(refused) for refused in found] == [
            UnknownGroups, OwnManagementRight, OwnDeactivation]
        # change_user raises the first, as the API answers it.
        with pytest.raises(UnknownGroups):
            change_user(request, me, UserChange(groups=["wizards"], is_active=False), by=by)
        assert refusals(request, me, UserChange(groups=["admin"], is_active=True), by=by) == []


@pytest.mark.parametrize("what, field", [({"is_active": False}, "is_active"),
                                         ({"groups": ["staff"]}, "groups")])
def test_the_last_active_manager_stays(registry, tenant, what, field):
    """Without an administrator of its own making the change (the CLI), only this rule holds."""
    with pytest.raises(LastManager) as refused:
        change(registry, "admin@acme.test", None, **what)
    assert (refused.value.code, refused.value.status, refused.value.field) == (
        "last_manager", 409, field)
    assert refused.value.message == "the tenant must keep an active user who can manage users"
    assert refused.value.fields == {
        field: "admin@acme.test is the last active user who can manage users"}
    assert state(registry, "admin@acme.test") == {"groups": ["admin"], "active": True,
                                                  "name": ""}
    assert events(registry, "user.update") == []


def test_a_deactivated_manager_does_not_count_and_another_active_one_does(registry, tenant):
    add_admin(registry, "second@acme.test")
    change(registry, "second@acme.test", "admin@acme.test", is_active=False)
    with pytest.raises(LastManager):
        change(registry, "admin@acme.test", None, is_active=False)
    change(registry, "second@acme.test", "admin@acme.test", is_active=True)
    assert change(registry, "admin@acme.test", None, is_active=False)["active"] is False
    # Users who cannot manage users are never held back by the rule.
    assert change(registry, "staff@acme.test", None, is_active=False)["active"] is False


def test_two_administrators_deactivating_each_other_at_once_leave_one_manager(
        registry, tenant, backend):
    """Each change alone keeps a manager (the one making it); together they would keep none.

    The tenant's lock makes the second wait for the first's commit and then
    see that its own administrator is the one deactivated.
    """
    add_admin(registry, "second@acme.test")
    # Both transactions are open, with their users loaded, before either changes anything.
    ready = threading.Barrier(2)

    def deactivate(email: str, by_email: str):
        def call():
            with tenant_request(registry, "acme") as request:
                by = identity(request, by_email)
                user = find_user_by_email(request.tenant_db, email)
                ready.wait(timeout=JOIN_TIMEOUT)
                try:
                    return change_user(request, user, UserChange(is_active=False), by=by)
                except LastManager as exc:
                    request.tm.abort()
                    return exc
        return call

    answers = at_once([deactivate("second@acme.test", "admin@acme.test"),
                       deactivate("admin@acme.test", "second@acme.test")])
    refused = [answer for answer in answers if isinstance(answer, LastManager)]
    assert len(refused) == 1
    active = [email for email in ("admin@acme.test", "second@acme.test")
              if state(registry, email)["active"]]
    assert len(active) == 1
    assert len(events(registry, "user.update")) == 1


# Ending sessions ------------------------------------------------------------
def test_end_sessions_ends_all_of_a_users_sessions_and_audits_the_count(registry, tenant):
    open_sessions(registry, "staff@acme.test", 2)
    with tenant_request(registry, "acme") as request:
        by = identity(request, "admin@acme.test")
        staff = find_user_by_email(request.tenant_db, "staff@acme.test")
        assert end_sessions(request, staff, by=by) == 2
        staff_id = staff.id
    assert live_session_ids(registry, "staff@acme.test") == []
    revoked = events(registry, "session.revoke")[-1]
    assert (revoked.actor, revoked.target, revoked.details) == (
        "admin@acme.test", "staff@acme.test", {"user_id": staff_id, "all": True, "count": 2})


def test_ending_ones_own_sessions_keeps_the_one_in_use(registry, tenant):
    mine, other = open_sessions(registry, "admin@acme.test", 2)
    with tenant_request(registry, "acme") as request:
        current = request.tenant_db.get(AuthSession, mine)
        by = identity(request, "admin@acme.test", session=current)
        assert end_sessions(request, by.user, by=by) == 1
    assert live_session_ids(registry, "admin@acme.test") == [mine]
    with tenant_request(registry, "acme") as request:
        assert request.tenant_db.get(AuthSession, other).revoked_at is not None
        assert request.tenant_db.scalar(select(User.is_active).where(User.id == 1)) is True
