"""Step-up: sensitive actions need a recent proof of identity, not only a live session.

Changing a second factor, managing users, groups, settings or plugins, or an
operator changing a contract, is refused unless the user logged in or
confirmed their password in the last ``REAUTH_WINDOW``. A stolen session
cookie or token left on a shared machine is then not enough to take over an
account or a tenant.

A view asks for it with the view option ``recent_auth=True`` (added by the
:func:`recent_auth_gate` deriver), so that the rule is visible where the
view is declared and a test can walk every registered view for it
(tests/core/test_stepup_coverage.py). The refusal is :class:`ReauthRequired`:
the API answers 403 ``reauth_required``, the tenant console sends the user
to ``/account/confirm`` and the platform console to ``/platform/confirm``,
each coming back afterwards.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy import update

from .accounts import confirms_password
from .errors import ApiError
from .models import AuthSession, utcnow
from .tries import take_try

REAUTH_WINDOW = dt.timedelta(minutes=10)
_REAUTH_KEY = "reauthenticated_at"


class ReauthRequired(ApiError):
    """Answered as 403 ``reauth_required`` by the API; the console asks for the password."""

    shown_on_form = False  # the console sends the user to confirm it (console/error_views.py)

    def __init__(self):
        super().__init__("reauth_required",
                         "confirm your password first (POST .../auth/reauth), then try again",
                         403)


def last_authenticated(session) -> dt.datetime:
    """When the session's user last proved who they are: the login, or a later re-auth."""
    confirmed = (session.data or {}).get(_REAUTH_KEY)
    if confirmed:
        return max(session.created_at, dt.datetime.fromisoformat(confirmed))
    return session.created_at


def is_recent(session, now: dt.datetime | None = None) -> bool:
    return (now or utcnow()) - last_authenticated(session) <= REAUTH_WINDOW


def require_recent_auth(request) -> None:
    """Raise ReauthRequired unless the current user (or operator) authenticated recently.

    Views declare ``recent_auth=True`` instead of calling this; it stays public
    for a check that depends on what the request asks (not on the view).
    """
    identity = request.praxcloud_identity
    if identity is None or not is_recent(identity.session):
        raise ReauthRequired()


def recent_auth_gate(view, info):
    """View deriver for the option ``recent_auth=True``: step-up before the view runs.

    It runs inside the permission and CSRF checks, so a visitor who may not
    use the view at all is refused as before, and a forged form is refused
    as forged rather than sent to the password page.
    """
    if not info.options.get("recent_auth"):
        return view

    def stepped_up(context, request):
        require_recent_auth(request)
        return view(context, request)

    return stepped_up


recent_auth_gate.options = ("recent_auth",)


def come_back_to(request) -> str:
    """Where a console sends the user once step-up is confirmed: this page for a GET,
    else the same-site form the refused POST came from (or its own path)."""
    if request.method == "GET":
        return request.path_qs
    referer = urlsplit(request.referer or "")
    same_site = referer.netloc in ("", request.host)
    if same_site and referer.path:
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return request.path


def mark_reauthenticated(session) -> dt.datetime:
    """Record a successful re-authentication on the session; returns until when it counts."""
    now = utcnow()
    session.data = {**(session.data or {}), _REAUTH_KEY: now.isoformat()}
    return now + REAUTH_WINDOW


MAX_REAUTH_FAILURES = 5


class ReauthFailed(ApiError):
    def __init__(self, session_ended: bool):
        super().__init__("reauth_failed", "the password is not right"
                         + ("; too many tries, the session has ended" if session_ended else ""),
                         401)
        self.session_ended = session_ended


def confirm_password(request, password: str, event: str = "reauth",
                     details: dict | None = None) -> None:
    """Check the current user's password, counting a wrong one against their session.

    Every place that asks a logged-in user for their password (step-up, a
    password change) goes through here, so that all of them share one
    counter. The try is counted before the password is checked, by one
    conditional UPDATE that commits at once (:mod:`.tries`): passwords sent
    at the same moment are counted one after the other, and once
    MAX_REAUTH_FAILURES are counted no password is checked any more. A
    wrong password is audited as ``event``; the one that reaches the limit
    revokes the session, so a stolen session cannot be used to guess the
    password. A right password clears the count. Raises ReauthFailed.
    """
    identity = request.praxcloud_identity
    user, session = identity.user, identity.session
    taken = take_try(request, update(AuthSession)
                     .where(AuthSession.id == session.id, AuthSession.revoked_at.is_(None),
                            AuthSession.reauth_failures < MAX_REAUTH_FAILURES)
                     .values(reauth_failures=AuthSession.reauth_failures + 1)
                     .returning(AuthSession.reauth_failures))
    if taken.count is None:
        # The limit was reached by tries sent with this one: not checked, the session has ended.
        request.audit.record(event, outcome="failure", target=user.email,
                             details={**(details or {}), "failures": MAX_REAUTH_FAILURES,
                                      "session_ended": True, "checked": False}, durable=True)
        raise ReauthFailed(True)
    if confirms_password(request, user, password):
        request.durable_tenant_update(AuthSession, session.id, reauth_failures=0)
        return
    failures = taken.count
    ended = failures >= MAX_REAUTH_FAILURES
    values = {} if taken.kept else {"reauth_failures": AuthSession.reauth_failures + 1}
    if ended:
        values["revoked_at"] = utcnow()
    if values:
        request.durable_tenant_update(AuthSession, session.id, **values)
    request.audit.record(event, outcome="failure", target=user.email,
                         details={**(details or {}), "failures": failures,
                                  "session_ended": ended}, durable=True)
    raise ReauthFailed(ended)


def reauthenticate(request, password: str) -> dt.datetime:
    """Confirm the current user's password; returns until when step-up counts.

    Wrong passwords count as :func:`confirm_password` says.
    """
    identity = request.praxcloud_identity
    confirm_password(request, password)
    request.audit.record("reauth", target=identity.user.email)
    return mark_reauthenticated(identity.session)


def includeme(config) -> None:
    config.add_view_deriver(recent_auth_gate, under="csrf_view", over="owrapped_view")
