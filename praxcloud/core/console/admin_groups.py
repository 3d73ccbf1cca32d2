"""Tenant administrators manage groups and the permissions each grants.

Two guards keep a tenant from locking itself out of its user management:
the last group that grants ``users.manage`` to active members keeps that
permission, and administrators cannot take it away from themselves. A group
can only be deleted once it has no members, and not while the tenant's
settings name it (MFA required for its members): removing it silently would
switch a security requirement off.
"""

from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import func, select

from .. import tenant_locks
from ..fields import codecs_of
from ..models import Group, User, user_groups
from ..permissions import ALL_PERMISSIONS, USERS_MANAGE
from .admin_forms import invalid
from .common import object_id, redirect

# Letters, digits, '.', '_' and '-': names appear in CLI options and settings.
GROUP_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
MAX_DESCRIPTION = 300

# What each permission lets members do, as the pages explain it.
PERMISSION_HINTS = {
    "records.read": "see records",
    "records.write": "create, change and delete records",
    "users.manage": "manage users and groups",
    "audit.read": "read and export the audit trail",
    "settings.manage": "change the tenant's settings and plugin settings",
    "sessions.manage": "end other users' sessions",
    "records.erase": "erase a person everywhere (right to be forgotten)",
}


def permission_choices() -> list[tuple[str, str]]:
    return [(name, PERMISSION_HINTS.get(name, "")) for name in sorted(ALL_PERMISSIONS)]


def member_counts(request) -> dict[int, int]:
    rows = request.tenant_db.execute(
        select(user_groups.c.group_id, func.count()).group_by(user_groups.c.group_id))
    return {group_id: count for group_id, count in rows}


def load_group(request) -> Group:
    group = request.tenant_db.get(Group, object_id(request))
    if group is None:
        raise HTTPNotFound()
    return group


def _check_permissions(chosen: list[str], errors: dict) -> list[str]:
    unknown = sorted(set(chosen) - ALL_PERMISSIONS)
    if unknown:
        errors["permissions"] = "No such permission: " + ", ".join(unknown) + "."
    return sorted(set(chosen) & ALL_PERMISSIONS)


def _check_description(description: str, errors: dict) -> None:
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"Use at most {MAX_DESCRIPTION} characters."


def lockout_reason(request, group: Group, new_permissions: list[str]) -> str | None:
    """Why giving ``group`` ``new_permissions`` would lock user management out, or None.

    Holds the tenant's user-management lock from here to the commit, so that
    two edits sent at once are checked one after the other (each against
    what the other wrote), and reads groups and memberships afresh, not
    from objects the request loaded before the lock.
    """
    if USERS_MANAGE not in (group.permissions or ()) or USERS_MANAGE in new_permissions:
        return None
    db = request.tenant_db
    tenant_locks.hold(db, tenant_locks.USER_MANAGEMENT)
    managing = {group_id for group_id, permissions in db.execute(
        select(Group.id, Group.permissions)) if USERS_MANAGE in (permissions or ())}
    if group.id not in managing:
        return None  # another edit took it away meanwhile: nothing left to check
    with_active_members = set(db.scalars(
        select(user_groups.c.group_id).join(User, User.id == user_groups.c.user_id)
        .where(User.is_active.is_(True)).distinct()))
    others = (managing & with_active_members) - {group.id}
    if group.id in with_active_members and not others:
        return (f"{group.name} is the last group that lets active members manage users: it "
                "keeps users.manage, or nobody could manage users any more.")
    actor_id = request.praxcloud_identity.user.id
    own = set(db.scalars(select(user_groups.c.group_id).where(
        user_groups.c.user_id == actor_id)))
    if group.id in own and not (own & managing) - {group.id}:
        return ("You would lose the right to manage users yourself: keep users.manage here, "
                "or join another group that has it first.")
    return None


# Listing and creating -----------------------------------------------------
def _groups_page(request, form: dict, errors: dict) -> dict:
    groups = list(request.tenant_db.scalars(select(Group).order_by(Group.name)))
    return {"groups": groups, "counts": member_counts(request), "form": form, "errors": errors,
            "permissions": permission_choices()}


@view_config(route_name="console.groups", request_method="GET", permission=USERS_MANAGE,
             renderer="console/admin_groups.jinja2")
def list_groups(request):
    return _groups_page(request, {"name": "", "description": "", "permissions": []}, {})


@view_config(route_name="console.groups", request_method="POST", permission=USERS_MANAGE,
             renderer="console/admin_groups.jinja2", recent_auth=True)
def create_group(request):
    post = request.POST
    form = {"name": post.get("name", "").strip(),
            "description": post.get("description", "").strip(),
            "permissions": post.getall("permissions")}
    errors: dict[str, str] = {}
    if not GROUP_NAME_RE.match(form["name"]):
        errors["name"] = ("Use 1 to 80 letters, digits, '.', '_' or '-', starting with a letter "
                          "or digit.")
    elif request.tenant_db.scalar(
            select(Group.id).where(func.lower(Group.name) == form["name"].lower())) is not None:
        errors["name"] = "A group with this name already exists."
    _check_description(form["description"], errors)
    permissions = _check_permissions(form["permissions"], errors)
    if errors:
        return invalid(request, _groups_page(request, form, errors))
    group = Group(name=form["name"], description=form["description"], permissions=permissions)
    request.tenant_db.add(group)
    request.tenant_db.flush()
    request.audit.record("group.create", target=group.name,
                         details={"permissions": permissions})
    request.flash(f"Group {group.name} created.", "success")
    return redirect(request, "console.group", id=group.id)


# Editing and deleting -----------------------------------------------------
def _group_page(request, group: Group, form: dict, errors: dict) -> dict:
    members = list(request.tenant_db.scalars(
        select(User).join(user_groups, user_groups.c.user_id == User.id)
        .where(user_groups.c.group_id == group.id)
        .order_by(codecs_of(request.tenant_db).order_column(User, "email"))))
    return {"group": group, "members": members, "form": form, "errors": errors,
            "permissions": permission_choices()}


@view_config(route_name="console.group", request_method="GET", permission=USERS_MANAGE,
             renderer="console/admin_group.jinja2")
def edit_group_form(request):
    group = load_group(request)
    form = {"description": group.description, "permissions": list(group.permissions or ())}
    return _group_page(request, group, form, {})


@view_config(route_name="console.group", request_method="POST", permission=USERS_MANAGE,
             renderer="console/admin_group.jinja2", recent_auth=True)
def update_group(request):
    group = load_group(request)
    post = request.POST
    form = {"description": post.get("description", "").strip(),
            "permissions": post.getall("permissions")}
    errors: dict[str, str] = {}
    _check_description(form["description"], errors)
    permissions = _check_permissions(form["permissions"], errors)
    if "permissions" not in errors:
        reason = lockout_reason(request, group, permissions)
        if reason:
            errors["permissions"] = reason
    if errors:
        return invalid(request, _group_page(request, group, form, errors))
    before = set(group.permissions or ())
    details: dict = {}
    if form["description"] != group.description:
        details["description_changed"] = True
        group.description = form["description"]
    if before != set(permissions):
        details["permissions_added"] = sorted(set(permissions) - before)
        details["permissions_removed"] = sorted(before - set(permissions))
        group.permissions = permissions  # a new list, so SQLAlchemy sees the change
    if not details:
        request.flash("Nothing changed.", "info")
    else:
        request.audit.record("group.update", target=group.name, details=details)
        request.flash(f"Group {group.name} saved.", "success")
    return redirect(request, "console.group", id=group.id)


@view_config(route_name="console.group", request_method="POST", request_param="action=delete",
             permission=USERS_MANAGE, renderer="console/admin_group.jinja2", recent_auth=True)
def delete_group(request):
    group = load_group(request)
    form = {"description": group.description, "permissions": list(group.permissions or ())}
    errors: dict[str, str] = {}
    if member_counts(request).get(group.id):
        errors["form"] = (f"{group.name} still has members. Move them to other groups first; "
                          "only an empty group can be deleted.")
    elif group.name in (request.tenant.settings or {}).get("mfa_required_groups", []):
        errors["form"] = (f"The tenant settings require a second factor for {group.name}. "
                          "Remove it from “MFA required for” in Settings first.")
    if errors:
        return invalid(request, _group_page(request, group, form, errors))
    request.audit.record("group.delete", target=group.name,
                         details={"permissions": sorted(group.permissions or ())})
    request.tenant_db.delete(group)
    request.flash(f"Group {group.name} deleted.", "success")
    return redirect(request, "console.groups")
