"""The second step of an operator's login: a code from the authenticator app, or a security key.

The pending login (a right password) is found by its cookie. Each answer
is first counted against the operator's second-factor answers (a fixed
window per operator from any address, :mod:`..operator_mfa.limits`): over
it, the answer is not looked at (429 with Retry-After, the page counting
down) and the operator is mailed once; a wrong one is audited and the page
shown again. A right one spends the pending login with
a conditional UPDATE (of two right answers at once, one session only) and
opens the session.
"""

from __future__ import annotations

from pyramid.renderers import render_to_response
from pyramid.view import view_config

from ..models import Operator
from ..operator_mfa import (
    METHOD_TOTP,
    METHOD_WEBAUTHN,
    factors_of,
    find_pending_login,
    spend_pending_login,
)
from ..operator_mfa import webauthn as keys
from ..operator_mfa.limits import OperatorLoginLimit
from ..operator_mfa.totp import CodeRefused, OperatorTotpService
from .auth_views import admit, audit, open_session
from .support import PENDING_LOGIN_COOKIE, clear_pending_login_cookie

MAX_CODE = 100
START_AGAIN = "Your login was not finished in time. Please log in again."


def _pending(request):
    """The pending login and its operator, or None when it is gone (expired, used, unknown)."""
    pending = find_pending_login(request.dbsession, request.cookies.get(PENDING_LOGIN_COOKIE))
    if pending is None:
        return None, None
    operator = request.dbsession.get(Operator, pending.operator_id)
    if operator is None or not operator.is_active:
        return None, None
    return pending, operator


def _start_again(request):
    """The login page, saying why: there is no session yet to carry a flash message."""
    response = render_to_response("platform/login.jinja2", {
        "email": "", "next": None, "error": START_AGAIN, "retry_after": None, "section": None},
        request=request)
    response.status = 200 if request.method == "GET" else 409
    clear_pending_login_cookie(response)
    return response


def _page(request, pending, operator, error: str | None = None,
          retry_after: int | None = None) -> dict:
    factors = factors_of(request.dbsession, operator.id)
    options = None
    if factors.webauthn:
        try:
            # A new challenge for every showing of the page: each is spent by one answer.
            options = keys.login_options(request, operator, pending.id)
        except keys.KeyRefused as exc:
            error = error or exc.message
    return {"factors": factors, "webauthn_options": options, "error": error,
            "retry_after": retry_after, "section": None}


@view_config(route_name="platform.second_factor", request_method="GET",
             renderer="platform/second_factor.jinja2")
def second_factor_form(request):
    pending, operator = _pending(request)
    if pending is None:
        return _start_again(request)
    return _page(request, pending, operator)


@view_config(route_name="platform.second_factor", request_method="POST",
             renderer="platform/second_factor.jinja2")
def second_factor(request):
    pending, operator = _pending(request)
    if pending is None:
        return _start_again(request)
    limit = OperatorLoginLimit(request, operator.email)
    refusal = admit(request, limit, actor=operator.email, answer=True, warn=operator)
    if refusal is not None:
        # With a fresh security-key challenge: the operator answers once the wait is over.
        return _page(request, pending, operator, **refusal)
    method = request.POST.get("method")
    try:
        if method == METHOD_TOTP:
            code = request.POST.get("code", "")
            if not isinstance(code, str) or len(code) > MAX_CODE:
                code = ""
            OperatorTotpService(request).verify(operator, code)
        elif method == METHOD_WEBAUTHN:
            keys.verify_login(request, operator, pending.id, request.POST.get("credential"))
        else:
            raise CodeRefused("choose how to confirm your login", "method_unknown")
    except (CodeRefused, keys.KeyRefused) as exc:
        audit(request, "operator.login_second_factor", operator.email, outcome="failure",
              details={"method": method if method in (METHOD_TOTP, METHOD_WEBAUTHN) else None,
                       "reason": exc.code})
        request.response.status = 401
        return _page(request, pending, operator, exc.message[:1].upper() + exc.message[1:] + ".")
    if not spend_pending_login(request.dbsession, pending):
        # Another answer finished this login first: it has the session.
        return _start_again(request)
    limit.succeeded()
    response = open_session(request, operator, pending.next_url, method)
    clear_pending_login_cookie(response)
    return response
