"""Operators confirm their password before a sensitive change (step-up for the platform).

Changing a tenant's contract, suspending or deleting a tenant are views
with ``recent_auth=True``: an operator whose login is older than
``stepup.REAUTH_WINDOW`` is sent here and, once the password is confirmed,
back to the page the change was made from. As for tenant users, five wrong
passwords end the session, so a session left open on a shared machine
cannot be used to guess the operator's password.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import exception_view_config, view_config
from sqlalchemy import update
from sqlalchemy.orm import Session

from ..durable import side_engine
from ..models import OperatorSession, utcnow
from ..security import OPERATOR_PERMISSION
from ..stepup import (
    MAX_REAUTH_FAILURES,
    ReauthRequired,
    come_back_to,
    mark_reauthenticated,
)
from .auth_views import MAX_PASSWORD_LENGTH, authenticate
from .support import FORM_INVALID, clear_operator_cookie, record_event, redirect, safe_next

PLATFORM_PATHS = r"^/platform(/|$)"


@exception_view_config(ReauthRequired, path_info=PLATFORM_PATHS)
def reauth_required(exc, request):
    """Ask for the password, then come back: to this page, or to the form a POST came from."""
    back = come_back_to(request)
    back = safe_next(back)
    return HTTPSeeOther(request.route_url("platform.confirm",
                                          _query={"next": back} if back else {}))


def _page(request, next_url: str | None, error: str | None = None, status: int = 200) -> dict:
    request.response.status = status
    return {"next": next_url, "error": error, "section": None}


@view_config(route_name="platform.confirm", request_method="GET",
             permission=OPERATOR_PERMISSION, renderer="platform/confirm.jinja2")
def confirm_form(request):
    return _page(request, safe_next(request.GET.get("next")))


@view_config(route_name="platform.confirm", request_method="POST",
             permission=OPERATOR_PERMISSION, renderer="platform/confirm.jinja2")
def confirm(request):
    next_url = safe_next(request.POST.get("next"))
    password = request.POST.get("password", "")
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_LENGTH:
        return _page(request, next_url, "Enter your password.", FORM_INVALID)
    identity = request.praxcloud_identity
    operator, session = identity.user, identity.session
    failures = _take_try(request, session.id)
    if failures is None:
        # The limit was reached by passwords sent with this one: not checked.
        record_event(request, "operator.reauth", outcome="failure",
                     details={"failures": MAX_REAUTH_FAILURES, "session_ended": True,
                              "checked": False})
        return _ended(request, session)
    # The same check as the login form, so every rule on operators' passwords applies here too.
    confirmed, _reason = authenticate(request, operator.email, password)
    if confirmed is not None and confirmed.id == operator.id:
        # The trail first: it is written in a session of its own, which must not
        # wait behind this request's pending writes (SQLite; see support.py).
        record_event(request, "operator.reauth")
        _clear_tries(request, session.id)
        mark_reauthenticated(session)
        if next_url:
            return HTTPSeeOther(request.host_url + next_url)
        return redirect(request, "platform.tenants")
    ended = failures >= MAX_REAUTH_FAILURES
    record_event(request, "operator.reauth", outcome="failure",
                 details={"failures": failures, "session_ended": ended})
    if ended:
        return _ended(request, session)
    return _page(request, next_url, "This is not your password.", FORM_INVALID)


def _take_try(request, session_id: int) -> int | None:
    """Count a try on the operator's session before the password is checked.

    One conditional UPDATE, committed at once in a transaction of its own, so
    that passwords sent at the same moment are counted one after the other
    and at most MAX_REAUTH_FAILURES of them are ever checked (as
    stepup.confirm_password for tenant users). Returns the count with this
    try, or None when the limit is reached.
    """
    engine = side_engine(request.registry.tenancy.platform_engine)
    with Session(bind=engine) as db:
        count = db.execute(
            update(OperatorSession)
            .where(OperatorSession.id == session_id, OperatorSession.revoked_at.is_(None),
                   OperatorSession.reauth_failures < MAX_REAUTH_FAILURES)
            .values(reauth_failures=OperatorSession.reauth_failures + 1)
            .returning(OperatorSession.reauth_failures)
            .execution_options(synchronize_session=False)
        ).scalar()
        db.commit()
    return count


def _clear_tries(request, session_id: int) -> None:
    # A statement, not the attribute: the loaded value is from before the try was counted.
    request.dbsession.execute(
        update(OperatorSession).where(OperatorSession.id == session_id)
        .values(reauth_failures=0).execution_options(synchronize_session=False))


def _ended(request, session):
    # Revoked in the request's own transaction: this view answers normally, so
    # pyramid_tm commits it.
    session.revoked_at = utcnow()
    response = redirect(request, "platform.login")
    clear_operator_cookie(response)
    return response
