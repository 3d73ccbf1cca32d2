"""Tenant administrators manage their users through the API (users.manage, sessions.manage)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import func, select

from ..accounts import users_matching
from ..invitations import latest_invitation, send_invitation
from ..mfa import reset_second_factors
from ..models import User
from ..permissions import SESSIONS_MANAGE, USERS_MANAGE
from ..records import DEFAULT_PER_PAGE, MAX_PER_PAGE
from ..user_admin import UserChange, change_user, create_user, end_sessions
from ..views_support import api_view, json_body
from .params import int_param, path_id, text_param
from .serialize import iso, user_json


def _user(request) -> User:
    user = request.tenant_db.get(User, path_id(request))
    if user is None:
        raise HTTPNotFound()
    return user


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
    display_name = body.get("display_name")
    change = UserChange(groups=body.get("groups"), is_active=body.get("is_active"),
                        display_name=None if display_name is None else display_name.strip())
    # A refusal (UserChangeRefused) is an ApiError: answered as it stands.
    change_user(request, user, change, by=request.praxcloud_identity)
    return user_json(user)


@api_view(route_name="api.user.sessions", request_method="DELETE", permission=SESSIONS_MANAGE,
          recent_auth=True)
def revoke_user_sessions(request):
    return {"revoked": end_sessions(request, _user(request), by=request.praxcloud_identity)}


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
