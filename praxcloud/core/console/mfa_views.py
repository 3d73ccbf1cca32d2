"""Second factors in the console: the user's overview, step-up confirmation, admin reset.

The methods' own pages (enrol an authenticator app, register a security
key) belong to their plugins; this page lists what the tenant's plugins
offer, and is where a user whom the tenant requires to have a second
factor is held until they have one.
"""

from __future__ import annotations

from pyramid.view import view_config

from ..auth import second_factors
from ..mfa import ENROL_ACTION, is_required, options, reset_second_factors
from ..permissions import AUTHENTICATED, USERS_MANAGE
from ..stepup import ReauthFailed, reauthenticate
from .admin_users import load_user
from .common import (
    FORM_INVALID,
    clear_session_cookie,
    form_text,
    redirect,
    redirect_to_path,
    redirect_with_notice,
    safe_next,
)
from .password_views import MAX_PASSWORD


@view_config(route_name="console.account_mfa", request_method="GET", permission=AUTHENTICATED,
             renderer="console/account_mfa.jinja2")
def account_mfa(request):
    identity = request.praxcloud_identity
    pending = [a for a in (identity.session.data or {}).get("required_actions") or []
               if a.get("name") == ENROL_ACTION]
    return {"options": options(request, identity.user),
            "required": is_required(request, identity.user),
            "must_enrol": bool(pending),
            "enrolled": second_factors(request, identity.user)}


def _confirm_page(request, next_path: str | None, error: str | None = None,
                  status: int = 200) -> dict:
    request.response.status = status
    return {"next": next_path, "error": error}


@view_config(route_name="console.reauth", request_method="GET", permission=AUTHENTICATED,
             renderer="console/reauth.jinja2")
def confirm_form(request):
    return _confirm_page(request, safe_next(request, request.GET.get("next")))


@view_config(route_name="console.reauth", request_method="POST", permission=AUTHENTICATED,
             renderer="console/reauth.jinja2")
def confirm(request):
    next_path = safe_next(request, request.POST.get("next"))
    password = form_text(request.POST, "password")
    if not password or len(password) > MAX_PASSWORD:
        return _confirm_page(request, next_path, "Enter your password.", FORM_INVALID)
    try:
        reauthenticate(request, password)
    except ReauthFailed as exc:
        if exc.session_ended:
            response = redirect_with_notice(request, "console.login", "session_ended")
            clear_session_cookie(request, response)
            return response
        return _confirm_page(request, next_path, "This is not your password.", FORM_INVALID)
    if next_path:
        return redirect_to_path(request, next_path)
    return redirect(request, "console.account")


@view_config(route_name="console.user_mfa_reset", request_method="POST", recent_auth=True,
             permission=USERS_MANAGE)
def user_mfa_reset(request):
    user = load_user(request)
    removed = reset_second_factors(request, user)
    if removed:
        request.flash(f"The second factors of {user.email} were removed and they were told "
                      "by mail.", "success")
    else:
        request.flash(f"{user.email} had no second factor to remove.", "info")
    return redirect(request, "console.user", id=user.id)
