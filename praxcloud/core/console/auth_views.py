"""Console login: e-mail and password, then a second factor when the user has one; logout.

A login always opens a new server-side session with a new id (rotation) and
ends the session the browser held before, if any. Between the password and
the second factor the browser holds only the short-lived ``mfa_token`` of the
login challenge, in an HttpOnly cookie scoped to the login pages.
"""

from __future__ import annotations

import json

from pyramid.csrf import check_csrf_origin, check_csrf_token
from pyramid.view import view_config

from ..auth import (
    MFA_MAX_FAILURES,
    MFA_TOKEN_LIFETIME,
    AuthenticationFailed,
    LoginRefused,
    SecondFactorFailed,
    check_first_factor,
    check_second_factor,
    load_challenge,
    open_session,
    start_challenge,
)
from ..mfa import options as mfa_options
from ..models import KIND_CONSOLE
from ..request_context import require_tenant
from ..security import tenant_sessions
from ..settings import settings_of
from .common import (
    FORM_INVALID,
    clear_session_cookie,
    form_text,
    has_control_chars,
    redirect,
    redirect_to_path,
    redirect_with_notice,
    safe_next,
    sentence,
    set_session_cookie,
    show_notice,
)

MFA_COOKIE = "praxcloud_mfa"
# One message for an unknown e-mail, a wrong password and a disabled account.
INVALID_CREDENTIALS = AuthenticationFailed().form_message()
MAX_EMAIL = 254
MAX_PASSWORD = 1024  # as the API: hashing megabytes of "password" is a denial of service
MAX_CODE = 100
MAX_CREDENTIAL = 20_000  # a WebAuthn assertion as JSON is a few kilobytes


def _mfa_cookie_path(request) -> str:
    return f"/{request.tenant.slug}/login"


def _set_mfa_cookie(request, response, token: str) -> None:
    response.set_cookie(
        MFA_COOKIE, token, path=_mfa_cookie_path(request), httponly=True, samesite="Lax",
        max_age=int(MFA_TOKEN_LIFETIME.total_seconds()),
        secure=settings_of(request).secure_cookies,
    )


def _clear_mfa_cookie(request, response) -> None:
    response.delete_cookie(MFA_COOKIE, path=_mfa_cookie_path(request))


def _end_previous_session(request) -> None:
    """The browser was still logged in (maybe as someone else): that session ends now."""
    identity = request.console_identity
    if identity is not None:
        tenant_sessions(request).revoke(identity.session)


def finish_login(request, user, next_path: str | None):
    """Open a fresh console session and send the browser on, to a required action first.

    A session the browser still held (maybe someone else's) ends: a login
    never leaves two sessions behind one cookie, whichever way it came in.
    """
    _end_previous_session(request)
    token, session = open_session(request, user, KIND_CONSOLE)
    actions = (session.data or {}).get("required_actions") or []
    if actions:
        response = redirect(request, actions[0]["route"])
    elif next_path and user.permissions:
        # A user whose groups grant nothing goes home, to the page saying whom to ask.
        response = redirect_to_path(request, next_path)
    else:
        response = redirect(request, "console.home")
    set_session_cookie(request, response, token)
    return response


def _login_page(request, *, email: str = "", next_path: str | None = None,
                error: str | None = None, retry_after: int | None = None,
                status: int = 200) -> dict:
    request.response.status = status
    login_methods = [link for answer in request.tenant_hooks.praxcloud_login_methods(
        request=request) for link in (answer or ())]
    return {"email": email, "next": next_path, "error": error, "retry_after": retry_after,
            "login_methods": login_methods}


@view_config(route_name="console.login", request_method="GET",
             renderer="console/login.jinja2")
def login_form(request):
    require_tenant(request)
    next_path = safe_next(request, request.GET.get("next"))
    if request.console_identity is not None:
        return redirect_to_path(request, next_path) if next_path else redirect(
            request, "console.home")
    show_notice(request)
    return _login_page(request, next_path=next_path)


def _refusal_message(exc) -> tuple[str, int | None]:
    """The form's message for ``exc`` and, apart, the seconds it says to wait (or None).

    A LoginRefused with a Retry-After ends its message with "Please try again
    in N seconds."; the page writes that sentence itself, with N in a span
    that countdown.js counts down. A refusal worded otherwise (a plugin's own
    form_message) is shown as it is, without a countdown.
    """
    message = exc.form_message()
    seconds = getattr(exc, "retry_after", None)
    if isinstance(exc, LoginRefused) and type(seconds) is int and seconds > 0:
        wait = f" Please try again in {seconds} seconds."
        if message.endswith(wait):
            return message.removesuffix(wait), seconds
    return message, None


def _login_again(request, exc) -> dict:
    """The login form after a refusal (LoginRefused, AuthenticationFailed), the address kept."""
    error, retry_after = _refusal_message(exc)
    return _login_page(request, email=form_text(request.POST, "email").strip(),
                       next_path=safe_next(request, request.POST.get("next")),
                       error=error, retry_after=retry_after, status=exc.status)


@view_config(route_name="console.login", request_method="POST",
             renderer="console/login.jinja2", form_error=_login_again)
def login(request):
    require_tenant(request)
    email = form_text(request.POST, "email").strip()
    password = form_text(request.POST, "password")
    next_path = safe_next(request, request.POST.get("next"))
    if not email or not password:
        return _login_page(request, email=email[:MAX_EMAIL], next_path=next_path,
                           error="Enter your e-mail address and your password.",
                           status=FORM_INVALID)
    if len(email) > MAX_EMAIL or len(password) > MAX_PASSWORD or has_control_chars(email):
        # Nothing this long, or with control characters in the address, can be
        # right: refuse without hashing megabytes or sending NUL to the database.
        return _login_page(request, email=email[:MAX_EMAIL], next_path=next_path,
                           error=INVALID_CREDENTIALS, status=401)
    result = check_first_factor(request, email, password)  # refusals: _login_again
    if result.mfa_methods:
        # The password was right: whoever the browser was logged in as is logged out now.
        _end_previous_session(request)
        mfa_token = start_challenge(request, result.user, result.mfa_methods, KIND_CONSOLE)
        query = {"next": next_path} if next_path else {}
        response = redirect(request, "console.login_mfa", _query=query)
        _set_mfa_cookie(request, response, mfa_token)
        return response
    return finish_login(request, result.user, next_path)


def _challenge(request):
    try:
        return load_challenge(request, request.cookies.get(MFA_COOKIE, ""), KIND_CONSOLE)
    except SecondFactorFailed:
        return None


def _start_again(request):
    response = redirect_with_notice(request, "console.login", "mfa_expired")
    _clear_mfa_cookie(request, response)
    return response


def _mfa_page(request, challenge, *, method: str | None = None, next_path: str | None = None,
              error: str | None = None, status: int = 200) -> dict:
    request.response.status = status
    methods = list(challenge.methods)
    method = method if method in methods else methods[0]
    # The method's plugin may show its own prompt (a security-key button)
    # instead of the code field; it may keep per-login state in challenge.data.
    prompt = request.tenant_hooks.praxcloud_second_factor_prompt(
        request=request, user=challenge.user, method=method, challenge=challenge)
    # The plugins' own names for their methods ("Authenticator app"), where they give one.
    titles = {option.get("method"): option.get("title")
              for option in mfa_options(request, challenge.user) if option.get("title")}
    return {"methods": methods, "method": method, "prompt": prompt, "next": next_path,
            "error": error, "titles": titles}


def _mfa_answer(post) -> dict | None:
    """What the form sent for the second factor: a ``code``, or a ``credential`` (JSON text)."""
    credential = form_text(post, "credential").strip()
    if credential:
        if len(credential) > MAX_CREDENTIAL or has_control_chars(credential):
            return None
        try:
            parsed = json.loads(credential)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            return None
        return {"credential": parsed} if isinstance(parsed, dict) else None
    code = form_text(post, "code").strip()
    if not code or len(code) > MAX_CODE or has_control_chars(code):
        return None
    return {"code": code}


@view_config(route_name="console.login_mfa", request_method="GET",
             renderer="console/login_mfa.jinja2")
def mfa_form(request):
    require_tenant(request)
    challenge = _challenge(request)
    if challenge is None:
        return _start_again(request)
    return _mfa_page(request, challenge, method=request.GET.get("method"),
                     next_path=safe_next(request, request.GET.get("next")))


@view_config(route_name="console.login_mfa", request_method="POST",
             renderer="console/login_mfa.jinja2")
def mfa(request):
    require_tenant(request)
    challenge = _challenge(request)
    if challenge is None:
        return _start_again(request)
    next_path = safe_next(request, request.POST.get("next"))
    method = form_text(request.POST, "method")
    answer = _mfa_answer(request.POST)
    if answer is None:
        return _mfa_page(request, challenge, method=method, next_path=next_path,
                         error="Enter the code." if "credential" not in request.POST
                         else "The security key's answer could not be read. Try again.",
                         status=FORM_INVALID)
    try:
        user = check_second_factor(request, challenge, method, answer)
    except SecondFactorFailed as exc:
        if exc.code == "mfa_token_invalid":
            # Spent by a concurrent answer (or expired meanwhile): nothing left to answer,
            # and what the method's plugin wrote (a recovery code spent) is rolled back.
            request.tm.doom()
            return _start_again(request)
        # The failure was counted in its own transaction; read the count back.
        request.tenant_db.refresh(challenge)
        if challenge.failures >= MFA_MAX_FAILURES:
            return _start_again(request)
        return _mfa_page(request, challenge, method=method, next_path=next_path,
                         error=sentence(exc.message), status=401)
    response = finish_login(request, user, next_path)
    _clear_mfa_cookie(request, response)
    return response


@view_config(route_name="console.logout", request_method="GET",
             renderer="console/logout.jinja2")
def logout_confirm(request):
    """Someone typed the logout address: offer the button (a GET changes nothing)."""
    require_tenant(request)
    if request.console_identity is None:
        return redirect(request, "console.login")
    return {}


# CSRF is checked by hand: a browser whose session already ended may still
# log out (it only loses its cookie), while a live session needs the token.
@view_config(route_name="console.logout", request_method="POST", require_csrf=False)
def logout(request):
    require_tenant(request)
    identity = request.console_identity
    if identity is None:
        response = redirect_with_notice(request, "console.login", "session_ended")
    else:
        check_csrf_origin(request)
        check_csrf_token(request)
        tenant_sessions(request).revoke(identity.session)
        request.audit.record("logout", target=identity.user.email)
        response = redirect_with_notice(request, "console.login", "logged_out")
    clear_session_cookie(request, response)
    return response
