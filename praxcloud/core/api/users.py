"""Tenant administrators manage their users through the API (users.manage, sessions.manage)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import func, select

from ..accounts import create_user, users_matching
from ..errors import ApiError
from ..invitations import latest_invitation, send_invitation
from ..mfa import reset_second_factors
from ..models import Group, User
from ..permissions import SESSIONS_MANAGE, USERS_MANAGE
from ..records import DEFAULT_PER_PAGE, MAX_PER_PAGE
from ..security import tenant_sessions
from ..security_epoch import reevaluate_sessions
from ..views_support import api_view, json_body
from .params import int_param, path_id, text_param
from .serialize import iso, user_json


def _user(request) -> User:
    user = request.tenant_db.get(User, path_id(request))
    if user is None:
        raise HTTPNotFound()
    return user


def _groups(request, names: list[str]) -> list[Group]:
    found = list(request.tenant_db.scalars(select(Group).where(Group.name.in_(names))))
    missing = set(names) - {group.name for group in found}
    if missing:
        raise ApiError("unknown_group", "no such group", 422,
                       {"groups": "unknown: " + ", ".join(sorted(missing))})
    return found


@api_view(route_name="api.users", request_method="GET", permission=USERS_MANAGE)
def list_users(request):
    page = int_param(request, "page", 1, 1, 10**6)
    per_page = int_param(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    query = (text_param(request, "q", 200) or "").strip()
    statement = users_matching(request.tenant_db, query)
    total = request.tenant_db.scalar(select(func.count()).select_from(statement.subquery()))
    users = request.tenant_db.scalars(
        statement.limit(per_page).offset((page - 1) * per_page))
    return {"items": [user_json(u) for u in users], "page": page, "per_page": per_page,
            "total": total or 0}


@api_view(route_name="api.users", request_method="POST", recent_auth=True, permission=USERS_MANAGE)
def create(request):
    body = json_body(request, "UserInput")
    user = create_user(request, body["email"], body.get("password"), body["groups"],
                       display_name=body.get("display_name", "").strip())
    if body.get("password") is None:
        # Without a password nobody could ever log in: the user chooses one.
        send_invitation(request, user)
    request.response.status = 201
    return user_json(user)


@api_view(route_name="api.user", request_method="GET", permission=USERS_MANAGE)
def get_user(request):
    return user_json(_user(request))


@api_view(route_name="api.user", request_method="PATCH", recent_auth=True, permission=USERS_MANAGE)
def update_user(request):
    user = _user(request)
    body = json_body(request, "UserChange")
    is_self = user.id == request.praxcloud_identity.user.id
    details: dict = {}
    if "groups" in body:
        chosen = _groups(request, body["groups"])
        if is_self and not any(USERS_MANAGE in (g.permissions or ()) for g in chosen):
            raise ApiError("self_lockout", "you cannot remove your own right to manage users",
                           409, {"groups": "keep a group with users.manage"})
        before, after = set(user.group_names), {g.name for g in chosen}
        if before != after:
            details["groups_added"] = sorted(after - before)
            details["groups_removed"] = sorted(before - after)
            user.groups = chosen
            reevaluate_sessions(request)  # a new group may require a second factor
    if "display_name" in body and body["display_name"].strip() != user.display_name:
        user.display_name = body["display_name"].strip()
        details["display_name_changed"] = True
    if "is_active" in body and body["is_active"] != user.is_active:
        if is_self:
            raise ApiError("self_lockout", "you cannot deactivate your own account", 409,
                           {"is_active": "not for your own account"})
        user.is_active = body["is_active"]
        details["active"] = user.is_active
        if not user.is_active:
            details["sessions_ended"] = tenant_sessions(request).revoke_all(user)
    if details:
        request.audit.record("user.update", target=user.email, details=details)
    request.tenant_db.flush()
    return user_json(user)


@api_view(route_name="api.user.sessions", request_method="DELETE", permission=SESSIONS_MANAGE,
          recent_auth=True)
def revoke_user_sessions(request):
    user = _user(request)
    identity = request.praxcloud_identity
    # Ending one's own sessions keeps the one making this request.
    keep = identity.session if user.id == identity.user.id else None
    ended = tenant_sessions(request).revoke_all(user, keep=keep)
    request.audit.record("session.revoke", target=user.email,
                         details={"user_id": user.id, "all": True, "count": ended})
    return {"revoked": ended}


@api_view(route_name="api.user.second_factors", request_method="DELETE", recent_auth=True,
          permission=USERS_MANAGE)
def reset_user_second_factors(request):
    return {"removed": reset_second_factors(request, _user(request))}


@api_view(route_name="api.user.invitation", request_method="POST", permission=USERS_MANAGE,
          recent_auth=True)
def invite_again(request):
    user = _user(request)
    event = send_invitation(request, user)
    request.tenant_db.flush()
    request.response.status = 202
    sent = latest_invitation(request.tenant_db, user)
    return {"event": event, "expires_at": iso(sent.expires_at)}
