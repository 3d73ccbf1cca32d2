"""API login, second factor, logout and password reset."""

from __future__ import annotations

from ..accounts import request_password_reset, reset_password
from ..auth import (
    check_first_factor,
    check_second_factor,
    load_challenge,
    open_session,
    start_challenge,
)
from ..models import KIND_API
from ..permissions import AUTHENTICATED
from ..request_context import require_tenant
from ..security import tenant_sessions
from ..stepup import reauthenticate
from ..views_support import api_view, json_body, no_content
from .serialize import iso


def _token_answer(request, user) -> dict:
    token, session = open_session(request, user, KIND_API)
    return {"token": token, "expires_at": iso(session.expires_at)}


@api_view(route_name="api.auth.login", request_method="POST")
def login(request):
    require_tenant(request)
    body = json_body(request, "LoginRequest")
    # LoginRefused (with its Retry-After) and AuthenticationFailed answer as they are.
    result = check_first_factor(request, body["email"], body["password"])
    if result.mfa_methods:
        mfa_token = start_challenge(request, result.user, result.mfa_methods, KIND_API)
        return {"mfa_required": result.mfa_methods, "mfa_token": mfa_token}
    return _token_answer(request, result.user)


@api_view(route_name="api.auth.mfa", request_method="POST")
def login_mfa(request):
    require_tenant(request)
    body = json_body(request, "MfaRequest")
    # A SecondFactorFailed answers 401 with the plugin's code and message.
    challenge = load_challenge(request, body["mfa_token"], KIND_API)
    payload = {k: v for k, v in body.items() if k not in ("mfa_token", "method")}
    user = check_second_factor(request, challenge, body["method"], payload)
    return _token_answer(request, user)


@api_view(route_name="api.auth.logout", request_method="POST", permission=AUTHENTICATED)
def logout(request):
    identity = request.praxcloud_identity
    tenant_sessions(request).revoke(identity.session)
    request.audit.record("logout", target=identity.user.email)
    return no_content(request)


@api_view(route_name="api.auth.reauth", request_method="POST", permission=AUTHENTICATED)
def reauth(request):
    body = json_body(request, "ReauthRequest")
    until = reauthenticate(request, body["password"])
    return {"reauthenticated_until": iso(until)}


@api_view(route_name="api.auth.forgot", request_method="POST")
def forgot_password(request):
    require_tenant(request)
    body = json_body(request, "ForgotPasswordRequest")
    request_password_reset(request, body["email"])
    request.response.status = 202
    return {"message": "if an account with this e-mail exists, a reset link is on its way"}


@api_view(route_name="api.auth.reset", request_method="POST")
def reset(request):
    require_tenant(request)
    body = json_body(request, "ResetPasswordRequest")
    reset_password(request, body["token"], body["password"])
    return no_content(request)

