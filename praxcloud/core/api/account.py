"""The logged-in user: who am I, my password, my sessions."""

from __future__ import annotations

from ..accounts import PasswordRejected, end_own_session, set_password
from ..errors import ApiError
from ..permissions import AUTHENTICATED
from ..security import tenant_sessions
from ..stepup import ReauthFailed, confirm_password
from ..views_support import api_view, json_body, no_content
from .params import path_id
from .serialize import session_json


@api_view(route_name="api.me", request_method="GET", permission=AUTHENTICATED)
def me(request):
    user = request.praxcloud_identity.user
    return {
        "id": user.id, "email": user.email, "display_name": user.display_name,
        "groups": user.group_names, "permissions": sorted(user.permissions),
        "tenant": {"slug": request.tenant.slug, "name": request.tenant.name},
    }


@api_view(route_name="api.me.password", request_method="POST", permission=AUTHENTICATED)
def change_password(request):
    identity = request.praxcloud_identity
    body = json_body(request, "ChangePasswordRequest")
    try:
        # The step-up counter: five wrong current passwords end the session.
        confirm_password(request, body["current_password"], "password.change",
                         {"reason": "wrong current password"})
    except ReauthFailed as exc:
        if exc.session_ended:
            raise ApiError("invalid_credentials", "the current password is not right; "
                           "too many tries, the session has ended", 401,
                           {"current_password": "not right"}) from None
        raise ApiError("invalid_credentials", "the current password is not right", 403,
                       {"current_password": "not right"}) from None
    try:
        set_password(request, identity.user, body["new_password"], keep_session=identity.session)
    except PasswordRejected as exc:
        # Named as the body names it, so that a client can put it beside that field.
        raise PasswordRejected(exc.messages, field="new_password") from None
    request.audit.record("password.change", target=identity.user.email)
    return no_content(request)


@api_view(route_name="api.sessions", request_method="GET", permission=AUTHENTICATED)
def list_sessions(request):
    identity = request.praxcloud_identity
    sessions = tenant_sessions(request).live_for_user(identity.user)
    return {"items": [session_json(s, identity.session) for s in sessions]}


@api_view(route_name="api.session", request_method="DELETE", permission=AUTHENTICATED)
def revoke_session(request):
    identity = request.praxcloud_identity
    end_own_session(request, identity.user, path_id(request))
    return no_content(request)
