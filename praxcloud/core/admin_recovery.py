"""Giving a tenant an administrator back when no group can manage its users any more.

The console and the API refuse edits that would leave no active member with
``users.manage``, but a tenant can still end up there (every administrator
deactivated or gone, or a database restored from before the guards). Only an
operator with shell access can then repair it: ``praxcloud user restore-admin``.
The repair takes the same user-management lock as the guards and is audited
in the tenant's trail, naming the command's operating-system account.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from . import tenant_locks
from .local_auth import find_user_by_email
from .models import Group
from .permissions import DEFAULT_GROUPS, USERS_MANAGE

ADMIN_GROUP = "admin"


class NoSuchUser(LookupError):
    """The e-mail names no user of the tenant."""


@dataclass
class Restored:
    group: str
    changes: list[str] = field(default_factory=list)


def restore_administrator(request, email: str, group_name: str = ADMIN_GROUP,
                          actor: str | None = None) -> Restored:
    """Make ``email`` an active member of ``group_name``, a group that grants users.manage.

    The group is created (with the default administrators' permissions) when
    it does not exist, and given users.manage when it lacks it; the user is
    reactivated when deactivated. Returns what changed (nothing when the user
    could already manage users through that group).
    """
    db = request.tenant_db
    tenant_locks.hold(db, tenant_locks.USER_MANAGEMENT)
    user = find_user_by_email(db, email)
    if user is None:
        raise NoSuchUser(email)
    done = Restored(group_name)
    audit = {"actor": actor, "actor_id": None}
    group = db.scalars(select(Group).where(Group.name == group_name)).first()
    if group is None:
        description, permissions = DEFAULT_GROUPS[ADMIN_GROUP]
        group = Group(name=group_name, description=description, permissions=sorted(permissions))
        db.add(group)
        db.flush()
        request.audit.record("group.create", target=group_name,
                             details={"permissions": group.permissions, "via": "cli"}, **audit)
        done.changes.append(f"created group {group_name}")
    elif USERS_MANAGE not in (group.permissions or ()):
        group.permissions = sorted({*(group.permissions or ()), USERS_MANAGE})
        request.audit.record("group.update", target=group_name, details={
            "permissions_added": [USERS_MANAGE], "permissions_removed": [], "via": "cli"},
            **audit)
        done.changes.append(f"gave group {group_name} users.manage")
    details: dict = {}
    if group not in user.groups:
        user.groups = [*user.groups, group]
        details["groups_added"] = [group_name]
        done.changes.append(f"added {user.email} to {group_name}")
    if not user.is_active:
        user.is_active = True
        details["active"] = True
        done.changes.append(f"reactivated {user.email}")
    if details:
        request.audit.record("user.update", target=user.email, details={**details, "via": "cli"},
                             **audit)
    db.flush()
    return done
