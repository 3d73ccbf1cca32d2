"""Operator login and logout.

Every failure answers with the same message, and an unknown e-mail costs
the same hashing time as a wrong password, so the form reveals nothing
about which operator accounts exist. Failed attempts go to the platform
trail in their own transaction; what a stranger typed as an e-mail is not
kept (it may be someone's personal data), only that an unknown account
was tried.

Every login answer checked here, password or second factor, first counts
against the operator login limit in the shared state (:mod:`..operator_mfa.limits`);
over it, the answer is not even looked at (429). An operator with a second
factor gets no session for the password: a pending login, continued on the
second-step page (:mod:`.second_factor_views`).
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import func, select

from ..models import Operator, PlatformAuditEvent, utcnow
from ..operator_mfa import factors_of, is_required, start_pending_login
from ..operator_mfa.limits import (
    FirstRefusal,
    LimitUnavailable,
    LoginLimited,
    OperatorLoginLimit,
)
from ..passwords import dummy_verify, verify_and_update
from ..security import OPERATOR_PERMISSION, operator_sessions
from .support import (
    clear_operator_cookie,
    form_text,
    record_event,
    redirect,
    safe_next,
    set_operator_cookie,
    set_pending_login_cookie,
)

LOGIN_FAILED = "The e-mail or password is not right."
UNAVAILABLE = "Logging in is not possible right now; please try again in a few minutes."
# Hashing a megabyte-long "password" is a cheap way to burn server time.
MAX_PASSWORD_LENGTH = 1024


def _is_operator(request) -> bool:
    identity = request.praxcloud_identity
    return identity is not None and identity.is_operator


def _find_operator(request, email: str) -> Operator | None:
    if not email:
        return None
    return request.dbsession.scalars(
        select(Operator).where(func.lower(Operator.email) == email.lower())
    ).first()


def authenticate(request, email: str, password: str) -> tuple[Operator | None, str]:
    """The operator these credentials belong to, or None and the reason (for the trail only)."""
    context = request.registry.password_context
    # No autoflush: a failure is written to the trail in a session of its own,
    # which must not wait behind this request's pending session touch (SQLite).
    with request.dbsession.no_autoflush:
        operator = _find_operator(request, email)
    if operator is None or not password or len(password) > MAX_PASSWORD_LENGTH:
        dummy_verify(context, password or "")
        return None, "unknown_operator" if operator is None else "invalid_credentials"
    ok, new_hash = verify_and_update(context, password, operator.password_hash)
    if not ok:
        return None, "invalid_credentials"
    if not operator.is_active:
        return None, "inactive"
    if new_hash:
        # An old scheme or cost: upgrade the stored hash now that we know the password.
        operator.password_hash = new_hash
    return operator, ""


@view_config(route_name="platform.login", request_method="GET",
             renderer="platform/login.jinja2")
def login_form(request):
    next_url = safe_next(request.params.get("next"))
    if _is_operator(request):
        return _after_login(request, next_url)
    return {"email": "", "next": next_url, "error": None, "section": None}


@view_config(route_name="platform.login", request_method="POST",
             renderer="platform/login.jinja2")
def login(request):
    next_url = safe_next(request.POST.get("next"))
    email, email_error = form_text(request, "email", 254)
    password = request.POST.get("password", "")
    if not isinstance(password, str):
        password = ""
    if email_error:
        email = ""
    page = {"email": email, "next": next_url, "section": None}
    limit = OperatorLoginLimit(request, email)
    refusal = admit(request, limit, actor=None)
    if refusal is not None:
        return {**page, "error": refusal}
    operator, reason = authenticate(request, email, password)
    if operator is None:
        known = reason != "unknown_operator"
        record_event(request, "operator.login", outcome="failure",
                     actor=email if known else None, details={"reason": reason})
        request.response.status = 401
        return {**page, "error": LOGIN_FAILED}
    if factors_of(request.dbsession, operator.id).any:
        # The password was right; the session waits for the second factor.
        token = start_pending_login(request.dbsession, operator, next_url, request.client_addr)
        audit(request, "operator.login_password", operator.email)
        response = redirect(request, "platform.second_factor")
        set_pending_login_cookie(request, response, token)
        return response
    limit.succeeded()
    return open_session(request, operator, next_url, method="password")


def admit(request, limit: OperatorLoginLimit, actor: str | None) -> str | None:
    """Count this attempt; the message to show (status set) when it may not be checked."""
    try:
        limit.admit()
    except LoginLimited as exc:
        if isinstance(exc, FirstRefusal):
            # Once, when the limit is reached; later refusals would only fill the trail.
            audit(request, "operator.login_limited", actor, outcome="failure",
                  details={"retry_after": exc.retry_after})
        request.response.status = 429
        request.response.headers["Retry-After"] = str(exc.retry_after)
        return (f"Too many login attempts for this account: try again in {exc.minutes} "
                f"minute{'s' if exc.minutes != 1 else ''}.")
    except LimitUnavailable:
        request.response.status = 503
        request.response.headers["Retry-After"] = "60"
        return UNAVAILABLE
    return None


def audit(request, event: str, actor: str | None, outcome: str = "success",
          details: dict | None = None) -> None:
    """An entry in the request's own transaction (committed with its answer, 4xx included).

    Not :func:`.support.record_event`: after this request has written (a
    pending login, a spent challenge), a second connection would wait on
    SQLite's write lock.
    """
    request.dbsession.add(PlatformAuditEvent(
        at=utcnow(), event=event, outcome=outcome, actor=actor,
        ip=(request.client_addr or "")[:64] or None, details=details or {}))


def open_session(request, operator: Operator, next_url: str | None, method: str):
    """Every factor was right: the operator's session, its cookie, and where to go."""
    store = operator_sessions(request)
    previous = request.praxcloud_identity
    if previous is not None and previous.is_operator:
        # A fresh session id at every login; the one the browser had is ended.
        store.revoke(previous.session)
    token, _session = store.create(operator, "operator", request.client_addr,
                                   request.user_agent)
    operator.last_login_at = utcnow()
    audit(request, "operator.login", operator.email, details={"method": method})
    if is_required(request.registry) and not factors_of(request.dbsession,
                                                                  operator.id).any:
        # First login under the requirement: set up a second factor before anything else.
        response = redirect(request, "platform.security")
    else:
        response = _after_login(request, next_url)
    set_operator_cookie(request, response, token)
    return response


def _after_login(request, next_url: str | None) -> HTTPSeeOther:
    if next_url:
        return HTTPSeeOther(request.host_url + next_url)
    return redirect(request, "platform.tenants")


@view_config(route_name="platform.logout", request_method="POST",
             permission=OPERATOR_PERMISSION)
def logout(request):
    identity = request.praxcloud_identity
    operator_sessions(request).revoke(identity.session)
    request.dbsession.add(PlatformAuditEvent(
        at=utcnow(), event="operator.logout", actor=identity.user.email,
        ip=(request.client_addr or "")[:64] or None, details={},
    ))
    response = redirect(request, "platform.login")
    clear_operator_cookie(response)
    return response


@view_config(route_name="platform.home", request_method="GET", permission=OPERATOR_PERMISSION)
def home(request):
    return redirect(request, "platform.tenants")
