"""Managing a tenant's users: adding them, changing them, ending their sessions.

The one place for the rules of user management; the API, the console and
the CLI parse what was sent, call this, and render the answer:

- a user's groups must exist (:class:`UnknownGroups`);
- an administrator cannot deactivate themself or take away their own
  ``users.manage`` (:class:`SelfLockout`);
- the tenant keeps at least one active user who can manage users
  (:class:`LastManager`), checked under the tenant's user-management lock
  (:mod:`.tenant_locks`) so that two changes sent at once cannot both
  remove a manager, each seeing the other still there;
- every change is audited (``user.create``, ``user.update``,
  ``session.revoke``) with the same details whichever door it came through.

A refused change raises a :class:`UserChangeRefused` before anything of it
is written. ``by`` is the identity making the change (``request.praxcloud_identity``);
None for the CLI, which acts for no user of the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from . import tenant_locks
from .accounts import DuplicateEmail, check_password
from .errors import ApiError
from .fields import codecs_of
from .local_auth import find_user_by_email, normalise_email
from .models import Group, User, user_groups
from .passwords import hash_password
from .permissions import USERS_MANAGE
from .security import tenant_sessions
from .security_epoch import reevaluate_sessions


class UserChangeRefused(ApiError):
    """A change the rules of user management do not allow; nothing of it was written.

    ``field`` is the input the refusal is about (``groups`` or ``is_active``);
    ``fields`` holds the API's message for it.
    """

    status = 409
    field = ""

    def __init__(self, code: str, message: str, field_message: str, status: int | None = None):
        super().__init__(code, message, status, {self.field: field_message})


class UnknownGroups(UserChangeRefused):
    field = "groups"

    def __init__(self, names: list[str]):
        self.names = sorted(names)
        super().__init__("unknown_group", "no such group", "unknown: " + ", ".join(self.names),
                         422)


class SelfLockout(UserChangeRefused):
    """An administrator's change that would shut themself out of user management."""


class OwnDeactivation(SelfLockout):
    field = "is_active"

    def __init__(self):
        super().__init__("self_lockout", "you cannot deactivate your own account",
                         "not for your own account")


class OwnManagementRight(SelfLockout):
    field = "groups"

    def __init__(self):
        super().__init__("self_lockout", "you cannot remove your own right to manage users",
                         "keep a group with users.manage")


class LastManager(UserChangeRefused):
    """The change would leave the tenant without an active user who can manage users."""

    def __init__(self, user: User, field: str):
        self.field = field
        self.email = user.email
        super().__init__("last_manager",
                         "the tenant must keep an active user who can manage users",
                         f"{user.email} is the last active user who can manage users")


@dataclass(frozen=True)
class UserChange:
    """What to change of a user; None leaves that part as it is."""

    groups: list[str] | None = None
    display_name: str | None = None
    is_active: bool | None = None


def groups_named(tenant_db, names: list[str]) -> list[Group]:
    """The groups ``names`` name, in name order; :class:`UnknownGroups` if any does not exist."""
    found = list(tenant_db.scalars(
        select(Group).where(Group.name.in_(set(names))).order_by(Group.name)))
    missing = set(names) - {group.name for group in found}
    if missing:
        raise UnknownGroups(sorted(missing))
    return found


def _grants_management(groups) -> bool:
    return any(USERS_MANAGE in (group.permissions or ()) for group in groups)


def create_user(request, email: str, password: str | None, groups: list[str],
                display_name: str = "") -> User:
    """Add a user to the tenant, in ``groups``, with ``password`` (None: none yet, to be chosen).

    Raises DuplicateEmail, :class:`UnknownGroups` or PasswordRejected (the
    tenant's password policy); the caller's transaction must then not be
    committed, as the user may already have been added to the session.
    """
    email = normalise_email(email)
    if codecs_of(request.tenant_db).is_encoded(User, "email"):
        # No unique constraint can see an encrypted address (its blind index may be
        # shared with others): the check and the insert are made one step by the lock.
        tenant_locks.hold(request.tenant_db, tenant_locks.USER_EMAILS)
    if find_user_by_email(request.tenant_db, email) is not None:
        raise DuplicateEmail()
    found = groups_named(request.tenant_db, groups)
    user = User(email=email, display_name=display_name, groups=found)
    request.tenant_db.add(user)
    if password is not None:
        check_password(request, user, password)
        user.password_hash = hash_password(request.registry.password_context, password)
    try:
        request.tenant_db.flush()
    except IntegrityError:
        # Another request created the same e-mail since the check above.
        raise DuplicateEmail() from None
    request.audit.record("user.create", target=email, details={"groups": sorted(groups)})
    if password is not None:
        # A first password is a password set: a policy's history and expiry start here.
        request.tenant_hooks.praxcloud_password_changed(request=request, user=user)
    return user


def refusals(request, user: User, change: UserChange, by=None) -> list[UserChangeRefused]:
    """Every rule ``change`` breaks, in the order the API reports them; empty when allowed.

    For a form that shows all of its errors at once; :func:`change_user`
    raises the first. When the change could remove a manager, this takes
    the tenant's user-management lock, held until the transaction ends.
    """
    found: list[UserChangeRefused] = []
    groups = None
    if change.groups is not None:
        try:
            groups = groups_named(request.tenant_db, change.groups)
        except UnknownGroups as exc:
            found.append(exc)
            # The self-lockout rule still judges the groups that do exist.
            groups = groups_named(request.tenant_db, sorted(set(change.groups) - set(exc.names)))
    is_self = by is not None and by.user.id == user.id
    if is_self and groups is not None and not _grants_management(groups):
        found.append(OwnManagementRight())
    deactivating = change.is_active is False and user.is_active
    if is_self and deactivating:
        found.append(OwnDeactivation())
    if found:
        return found
    stays_manager = (user.is_active if change.is_active is None else change.is_active) and \
        _grants_management(user.groups if groups is None else groups)
    if user.is_active and _grants_management(user.groups) and not stays_manager \
            and not _other_active_managers(request.tenant_db, user):
        found.append(LastManager(user, "is_active" if deactivating else "groups"))
    return found


def _other_active_managers(tenant_db, user: User) -> bool:
    """Whether an active user other than ``user`` can manage users, as committed by now.

    Takes the lock first, then reads groups and memberships afresh (not
    through objects loaded before the lock), so that a change committed by
    a concurrent request while this one waited is seen.
    """
    tenant_locks.hold(tenant_db, tenant_locks.USER_MANAGEMENT)
    managing = [group_id for group_id, permissions in
                tenant_db.execute(select(Group.id, Group.permissions))
                if USERS_MANAGE in (permissions or ())]
    if not managing:
        return False
    member = exists().where(user_groups.c.user_id == User.id,
                            user_groups.c.group_id.in_(managing))
    others = tenant_db.scalar(select(func.count()).select_from(User).where(
        User.id != user.id, User.is_active.is_(True), member))
    return bool(others)


def change_user(request, user: User, change: UserChange, by=None) -> dict:
    """Apply ``change`` to ``user`` and audit it; the audit details (empty: nothing changed).

    Raises the first of :func:`refusals` before writing anything.
    Deactivating a user ends their sessions at once; a change of groups has
    every open session re-evaluated (a new group may require a second factor).
    """
    refused = refusals(request, user, change, by)
    if refused:
        raise refused[0]
    details: dict = {}
    if change.display_name is not None and change.display_name != user.display_name:
        user.display_name = change.display_name
        details["display_name_changed"] = True
    if change.groups is not None:
        chosen = groups_named(request.tenant_db, change.groups)
        before, after = set(user.group_names), {group.name for group in chosen}
        if before != after:
            details["groups_added"] = sorted(after - before)
            details["groups_removed"] = sorted(before - after)
            user.groups = chosen
            reevaluate_sessions(request)
    if change.is_active is not None and change.is_active != user.is_active:
        user.is_active = change.is_active
        details["active"] = user.is_active
        if not user.is_active:
            details["sessions_ended"] = tenant_sessions(request).revoke_all(user)
    if details:
        request.audit.record("user.update", target=user.email, details=details)
    request.tenant_db.flush()
    return details


def end_sessions(request, user: User, by=None) -> int:
    """End all of ``user``'s sessions and audit it; how many were ended.

    Ending one's own keeps the session making the request.
    """
    keep = by.session if by is not None and by.user.id == user.id else None
    ended = tenant_sessions(request).revoke_all(user, keep=keep)
    request.audit.record("session.revoke", target=user.email,
                         details={"user_id": user.id, "all": True, "count": ended})
    return ended
