"""Operators confirm their password before a sensitive change (step-up for the platform).

Changing a tenant's contract, suspending or deleting a tenant are views
with ``recent_auth=True``: an operator whose login is older than
``stepup.REAUTH_WINDOW`` is sent here and, once the password is confirmed,
back to the page the change was made from. As for tenant users, five wrong
passwords end the session, so a session left open on a shared machine
cannot be used to guess the operator's password.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import exception_view_config, view_config

from ..models import utcnow
from ..security import OPERATOR_PERMISSION
from ..stepup import MAX_REAUTH_FAILURES, ReauthRequired, mark_reauthenticated
from .auth_views import MAX_PASSWORD_LENGTH, authenticate
from .support import FORM_INVALID, clear_operator_cookie, record_event, redirect, safe_next

PLATFORM_PATHS = r"^/platform(/|$)"
FAILURES_KEY = "reauth_failures"


@exception_view_config(ReauthRequired, path_info=PLATFORM_PATHS)
def reauth_required(exc, request):
    """Ask for the password, then come back: to this page, or to the form a POST came from."""
    if request.method == "GET":
        back = request.path_qs
    else:
        referer = urlsplit(request.referer or "")
        same_site = referer.netloc in ("", request.host)
        back = (referer.path + (f"?{referer.query}" if referer.query else "")
                if same_site and referer.path else request.path)
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
    # The same check as the login form, so every rule on operators' passwords applies here too.
    confirmed, _reason = authenticate(request, operator.email, password)
    data = dict(session.data or {})
    if confirmed is not None and confirmed.id == operator.id:
        # The trail first: it is written in a session of its own, which must not
        # wait behind this request's pending writes (SQLite; see support.py).
        record_event(request, "operator.reauth")
        data.pop(FAILURES_KEY, None)
        session.data = data
        mark_reauthenticated(session)
        if next_url:
            return HTTPSeeOther(request.host_url + next_url)
        return redirect(request, "platform.tenants")
    failures = int(data.get(FAILURES_KEY, 0)) + 1
    ended = failures >= MAX_REAUTH_FAILURES
    record_event(request, "operator.reauth", outcome="failure",
                 details={"failures": failures, "session_ended": ended})
    # The count is kept in the request's own transaction: this view answers
    # normally (no exception), so pyramid_tm commits it.
    session.data = {**data, FAILURES_KEY: failures}
    if ended:
        session.revoked_at = utcnow()
        response = redirect(request, "platform.login")
        clear_operator_cookie(response)
        return response
    return _page(request, next_url, "This is not your password.", FORM_INVALID)
