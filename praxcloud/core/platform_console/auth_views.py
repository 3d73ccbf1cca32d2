"""Operator login and logout.

Every failure answers with the same message, and an unknown e-mail costs
the same hashing time as a wrong password, so the form reveals nothing
about which operator accounts exist. Failed attempts go to the platform
trail in their own transaction; what a stranger typed as an e-mail is not
kept (it may be someone's personal data), only that an unknown account
was tried.

Every password checked here first passes the operator login's back-off
gates in the shared state (:mod:`..operator_mfa.limits`: 2 s, 4 s, 16 s ...
after failures in a row, per login and address, per login from anywhere,
per address over all logins); second-factor answers are counted there too.
A refused answer is not even looked at: 429 with Retry-After and one
message whatever the limit, the page counting the seconds down
(countdown.js); 503 when the shared state cannot answer (fail closed). The
first refusal of a run is written to the trail (``operator.login_limited``).
After ``operator_login_notify_after_failures`` failed passwords in a row the
operator is mailed an unlock link (:mod:`..operator_mfa.unlock`).

An operator with a second factor gets no session for the password: a
pending login, continued on the second-step page (:mod:`.second_factor_views`).
"""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import func, select

from ..errors import SharedStateError
from ..models import Operator, PlatformAuditEvent, utcnow
from ..operator_mfa import factors_of, is_required, start_pending_login
from ..operator_mfa.limits import LimitUnavailable, LoginLimited, OperatorLoginLimit
from ..operator_mfa.unlock import mail_second_factor_warning, mail_unlock_link
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

log = logging.getLogger(__name__)

LOGIN_FAILED = "The e-mail or password is not right."
# The one message for every limit (the page adds "Please try again in N seconds.").
TOO_MANY = "Too many login attempts."
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
    return {"email": "", "next": next_url, "error": None, "retry_after": None, "section": None}


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
    page = {"email": email, "next": next_url, "section": None, "retry_after": None}
    limit = OperatorLoginLimit(request, email)
    refusal = admit(request, limit, actor=None)
    if refusal is not None:
        return {**page, **refusal}
    operator, reason = authenticate(request, email, password)
    if operator is None:
        known = reason != "unknown_operator"
        record_event(request, "operator.login", outcome="failure",
                     actor=email if known else None, details={"reason": reason})
        password_failed(request, limit, email)
        request.response.status = 401
        return {**page, "error": LOGIN_FAILED}
    if factors_of(request.dbsession, operator.id).any:
        # The password was right; the session waits for the second factor, whose
        # answers are counted apart (limits.OperatorLoginLimit.admit_answer).
        limit.password_right()
        token = start_pending_login(request.dbsession, operator, next_url, request.client_addr)
        audit(request, "operator.login_password", operator.email)
        response = redirect(request, "platform.second_factor")
        set_pending_login_cookie(request, response, token)
        return response
    limit.succeeded()
    return open_session(request, operator, next_url, method="password")


def admit(request, limit: OperatorLoginLimit, actor: str | None, *, answer: bool = False,
          warn: Operator | None = None) -> dict | None:
    """Let this attempt through the limits, or say why not: the page's ``error`` and
    ``retry_after`` (status and Retry-After set).

    ``answer``: a second-factor answer (or a password confirming a removal), counted
    apart from passwords; ``warn``: the operator to mail when their answers run out.
    """
    try:
        if answer:
            limit.admit_answer()
        else:
            limit.admit()
    except LoginLimited as exc:
        if exc.first:
            # Once per run of refusals; every later one would only fill the trail.
            audit(request, "operator.login_limited", actor, outcome="failure",
                  details={"retry_after": exc.retry_after, "limit": exc.limit})
            if warn is not None:
                mail_second_factor_warning(request, warn, limit.limits.answers)
        request.response.status = 429
        request.response.headers["Retry-After"] = str(exc.retry_after)
        return {"error": TOO_MANY, "retry_after": exc.retry_after}
    except LimitUnavailable:
        request.response.status = 503
        request.response.headers["Retry-After"] = "60"
        return {"error": UNAVAILABLE, "retry_after": None}
    return None


def password_failed(request, limit: OperatorLoginLimit, login: str) -> None:
    """A wrong password makes its wait count; at the threshold, the operator gets a link."""
    failures = limit.failed()
    if failures is None or failures != limit.limits.notify_after:
        return
    with request.dbsession.no_autoflush:
        operator = _find_operator(request, login)
    if operator is None or not operator.is_active:
        return
    try:
        mail_unlock_link(request, operator, failures)
    except SharedStateError:
        log.error("operator login: the unlock link could not be kept (the shared state "
                  "cannot answer); none was mailed", exc_info=True)
        return
    audit(request, "operator.unlock_mailed", operator.email, details={"failures": failures})


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
