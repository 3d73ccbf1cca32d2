"""The logged-in user's own account: who they are, their password, their sessions.

Changing the password asks for the current one (through the tenant's auth
backends, as a login would) and ends every other session of the user.
"""

from __future__ import annotations

from pyramid.view import view_config

from ..accounts import PasswordRejected, end_own_session, set_password
from ..permissions import AUTHENTICATED
from ..security import tenant_sessions
from ..stepup import ReauthFailed, confirm_password
from .common import (
    FORM_INVALID,
    clear_session_cookie,
    form_text,
    object_id,
    redirect,
    redirect_with_notice,
)
from .password_views import MAX_PASSWORD, password_fields, policy_message


def _account_page(request, errors: dict | None = None, status: int = 200) -> dict:
    identity = request.praxcloud_identity
    request.response.status = status
    return {
        "user": identity.user,
        "required_actions": (identity.session.data or {}).get("required_actions") or [],
        "errors": errors or {},
        **password_fields(request, identity.user),
    }


@view_config(route_name="console.account", request_method="GET", permission=AUTHENTICATED,
             renderer="console/account.jinja2")
def account(request):
    return _account_page(request)


@view_config(route_name="console.account", request_method="POST", permission=AUTHENTICATED,
             renderer="console/account.jinja2")
def change_password(request):
    identity = request.praxcloud_identity
    user = identity.user
    current = form_text(request.POST, "current_password")
    new = form_text(request.POST, "new_password")
    confirm = form_text(request.POST, "confirm")
    errors = {}
    if not current:
        errors["current_password"] = "Enter your current password."  # noqa: S105 - a message
    if not new:
        errors["new_password"] = "Enter a new password."  # noqa: S105 - a message
    elif len(new) > MAX_PASSWORD:
        errors["new_password"] = f"Use at most {MAX_PASSWORD} characters."
    elif new != confirm:
        errors["confirm"] = "The two new passwords are not the same."
    if errors:
        return _account_page(request, errors, FORM_INVALID)
    wrong = {"current_password": "This is not your current password."}
    if len(current) > MAX_PASSWORD:
        # No password this long can be set: not worth hashing.
        return _account_page(request, wrong, FORM_INVALID)
    try:
        # The step-up counter: five wrong current passwords end the session.
        confirm_password(request, current, "password.change",
                         {"reason": "wrong current password"})
    except ReauthFailed as exc:
        if exc.session_ended:
            response = redirect_with_notice(request, "console.login", "session_ended")
            clear_session_cookie(request, response)
            return response
        return _account_page(request, wrong, FORM_INVALID)
    try:
        set_password(request, user, new, keep_session=identity.session)
    except PasswordRejected as exc:
        return _account_page(request, {"new_password": policy_message(exc)}, FORM_INVALID)
    request.audit.record("password.change", target=user.email)
    request.flash("Your password has been changed. Your other sessions have ended.", "success")
    return redirect(request, "console.account")


@view_config(route_name="console.sessions", request_method="GET", permission=AUTHENTICATED,
             renderer="console/sessions.jinja2")
def sessions(request):
    identity = request.praxcloud_identity
    return {"sessions": tenant_sessions(request).live_for_user(identity.user),
            "current": identity.session}


@view_config(route_name="console.session_revoke", request_method="POST",
             permission=AUTHENTICATED)
def session_revoke(request):
    identity = request.praxcloud_identity
    session = end_own_session(request, identity.user, object_id(request))
    if session.id == identity.session.id:
        response = redirect_with_notice(request, "console.login", "logged_out")
        clear_session_cookie(request, response)
        return response
    request.flash("The session has ended.", "success")
    return redirect(request, "console.sessions")
