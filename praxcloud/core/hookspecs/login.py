"""Login hooks: vetoes and limits on attempts, first factors, and what follows a login."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ..hook_types import LoginMethod, RequiredAction
from .markers import hookspec

if TYPE_CHECKING:  # only for the annotations: hookspecs import nothing else of the core
    from pyramid.request import Request

    from ..auth import LoginRefused
    from ..models import User


@hookspec(firstresult=True)
def praxcloud_pre_authenticate(request: Request, login: str) -> LoginRefused | None:
    """Veto a login attempt before any credential is checked (slowdown, lockdown).

    Return ``None`` to let it go on, or a
    :class:`praxcloud.plugin.LoginRefused` describing why not (with an
    optional ``retry_after`` in seconds and HTTP ``status``).
    """


@hookspec(firstresult=True)
def praxcloud_replaces_login_limits(request: Request) -> bool | None:
    """Take the place of the core's baseline limit on login attempts for this tenant.

    With no plugin answering, the core counts login attempts per (account,
    client address) and per account and refuses with 429 over its limits
    (:mod:`praxcloud.core.login_limits`, settings ``praxcloud.login_*``). A
    plugin that limits attempts itself, through :func:`praxcloud_pre_authenticate`
    and :func:`praxcloud_authentication_failed`, returns ``True`` and the
    core's counters stand aside for the request's tenant; return ``None``
    otherwise. Answer ``True`` only when the plugin's own limit is in force
    for this tenant. An exception raised here leaves the baseline in force.
    """


@hookspec(firstresult=True)
def praxcloud_authenticate(request: Request, login: str, password: str) -> User | None:
    """Check a first factor and return the tenant ``User`` it belongs to.

    Return ``None`` when this backend does not know the login, so the next
    backend is asked; raise :class:`praxcloud.plugin.AuthenticationFailed`
    when it knows the login and the password is wrong. The core's
    local-password backend runs last (``trylast``).
    """


@hookspec
def praxcloud_authentication_failed(
    request: Request, login: str, reason: Literal["invalid_credentials", "refused", "mfa"]
) -> None:
    """A login attempt failed (``reason``: ``"invalid_credentials"``, ``"refused"``, ``"mfa"``)."""


@hookspec
def praxcloud_authentication_succeeded(request: Request, login: str, user: User) -> None:
    """The login attempt this request made (``login`` as given to
    :func:`praxcloud_pre_authenticate`) proved itself: the password was right
    (a second factor may still follow), or a passkey signed in.

    Called once per attempt, after the core's own limit gave the attempt
    back; a slowdown plugin resets its counters for ``login`` here.
    """


@hookspec
def praxcloud_login_methods(request: Request) -> list[LoginMethod]:
    """Other ways to log in offered on the console's login page (passkeys, SSO).

    Return a list of dicts with ``title`` and ``url``.
    """


@hookspec
def praxcloud_authenticated(request: Request, user: User) -> list[RequiredAction]:
    """A user has logged in with every factor.

    Return a list of required actions (``RequiredAction``): ``name``,
    ``route`` (the console route name where it is done), optionally
    ``routes`` (other route names, console or API, the user may reach
    meanwhile) and ``message`` (for the user; the API's 403
    ``required_action`` answer carries it), e.g. an expired password, a
    missing MFA enrolment, new terms to accept. Until the plugin clears an
    action (``praxcloud.plugin.clear_required_action``) the user's session
    reaches only those routes and logging out.

    Also called for a session already open, at its next request, after the
    tenant's security settings or contract changed or a plugin called
    ``security.reevaluate_sessions``: answer from the user's current state,
    without side effects meant for a login.
    """
