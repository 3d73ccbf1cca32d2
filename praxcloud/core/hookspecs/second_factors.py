"""Second-factor hooks: enrolled methods, checking answers, the prompt, enrolment, reset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..hook_types import SecondFactorOption
from .markers import hookspec

if TYPE_CHECKING:  # only for the annotations: hookspecs import nothing else of the core
    from pyramid.request import Request

    from ..models import LoginChallenge, User


@hookspec
def praxcloud_second_factors(request: Request, user: User) -> list[str]:
    """The second factors ``user`` has enrolled.

    Return a list of method names (``["totp"]``); the core merges all
    answers. When the list is non-empty the login is not finished until
    :func:`praxcloud_verify_second_factor` accepts one of them.
    """


@hookspec(firstresult=True)
def praxcloud_verify_second_factor(
    request: Request, user: User, method: str, payload: dict[str, Any], challenge: LoginChallenge
) -> bool | None:
    """Check a second-factor answer for ``method``.

    ``payload`` is what the client sent: ``{"code": ...}`` from a code form,
    ``{"credential": ...}`` (a dict) from a WebAuthn assertion. ``challenge``
    is the login's :class:`~praxcloud.plugin.LoginChallenge`; its
    ``data`` dict is where a plugin keeps per-login state (a WebAuthn
    challenge), replaced as a whole when changed.

    Return ``True`` when this plugin handles ``method`` and the answer is
    right; return ``None`` when ``method`` is not this plugin's; raise
    :class:`praxcloud.plugin.SecondFactorFailed` when the answer is
    wrong, replayed or malformed (never return ``False``).
    """


@hookspec(firstresult=True)
def praxcloud_second_factor_prompt(
    request: Request, user: User, method: str, challenge: LoginChallenge
) -> dict[str, Any] | None:
    """What the console's second-factor page shows for ``method``.

    Return ``None`` for the core's code field, or a dict with ``template``
    (an asset spec of a Jinja2 fragment included in the page's form) and any
    values that fragment uses. The fragment posts ``code`` or ``credential``
    (JSON text) with the form. ``challenge`` is the login's
    ``LoginChallenge`` (see ``praxcloud_verify_second_factor``).
    """


@hookspec
def praxcloud_second_factor_options(request: Request, user: User) -> list[SecondFactorOption]:
    """The second-factor methods this plugin offers ``user``, for the account's MFA page.

    Return a list of dicts: ``method``, ``title``, ``enrolled`` (bool),
    ``summary`` (one line, e.g. "2 security keys"), ``url`` (the plugin's
    page to enrol or manage it) and ``routes``: every route name (console
    and API) enrolment needs, which a user whom the tenant requires to enrol
    may reach before anything else.
    """


@hookspec
def praxcloud_reset_second_factors(request: Request, user: User) -> list[str]:
    """An administrator resets ``user``'s second factors: remove every one this plugin holds.

    Return the list of method names that had something to remove. The core
    audits the reset and tells the user by mail.
    """
