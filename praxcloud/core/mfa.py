"""Second factors as the core sees them: the tenant's policy and what plugins share.

The methods themselves (TOTP, WebAuthn) are plugins. The core decides who
must have one (tenant setting ``mfa_required_groups``), confines such a user
to enrolment until they have one, resets a user's factors for an
administrator, and tells the user by mail when their factors change.

The policy is a built-in plugin (``praxcloud_authenticated``) like the
local password backend, so it reaches the tenant's enabled MFA plugins
through the same hooks as any other plugin would.
"""

from __future__ import annotations

import logging

from .auth import second_factors
from .hook_types import RequiredAction, SecondFactorOption
from .hookspecs import hookimpl
from .mail import send_mail
from .models import User
from .required_actions import clear_required_action
from .security_epoch import reevaluate_sessions

NAME = "core.mfa_policy"
ENROL_ACTION = "mfa_enrol"
ENROL_ROUTE = "console.account_mfa"
# What an enrolling user may reach besides the plugins' own routes.
ENROL_CORE_ROUTES = ("console.account_mfa", "console.reauth", "api.auth.reauth", "api.me")

log = logging.getLogger(__name__)


def required_groups(request) -> set[str]:
    return set((request.tenant.settings or {}).get("mfa_required_groups") or ())


def is_required(request, user: User) -> bool:
    """Does the tenant require ``user`` to have a second factor?"""
    return bool(required_groups(request) & set(user.group_names))


def options(request, user: User) -> list[SecondFactorOption]:
    """Every method the tenant's plugins offer ``user``, enrolled or not, by title."""
    found = []
    for answer in request.tenant_hooks.praxcloud_second_factor_options(request=request, user=user):
        found.extend(answer or ())
    return sorted(found, key=lambda option: option.get("title", option.get("method", "")))


@hookimpl
def praxcloud_authenticated(request, user) -> list[RequiredAction]:
    if not is_required(request, user) or second_factors(request, user):
        return []
    routes = set(ENROL_CORE_ROUTES)
    for option in options(request, user):
        routes.update(option.get("routes") or ())
    return [{"name": ENROL_ACTION, "route": ENROL_ROUTE, "routes": sorted(routes)}]


def enrolment_done(request) -> bool:
    """A plugin activated a second factor: release the session from enrolment, if it was held.

    Returns True when the session was confined and is free now.
    """
    identity = request.praxcloud_identity
    if identity is None or not second_factors(request, identity.user):
        return False
    return clear_required_action(identity.session, ENROL_ACTION)


def notify_user(request, user: User, subject: str, text: str) -> None:
    """Tell ``user`` by mail that something changed on their account (sent after commit)."""
    tenant_name = request.tenant.name
    body = (f"{text}\n\nIf this was not you, tell an administrator of {tenant_name} at once "
            "and change your password.\n")
    send_mail(request, user.email, f"{tenant_name}: {subject}", body)


def reset_second_factors(request, user: User) -> list[str]:
    """An administrator removes every second factor of ``user``; audited, the user told.

    Open sessions are evaluated again at their next request, so a user
    the tenant requires to have a factor is held at enrolment at once, not
    only at the next login.
    """
    removed = sorted({method for answer in request.tenant_hooks.praxcloud_reset_second_factors(
        request=request, user=user) for method in (answer or ())})
    request.audit.record("mfa.reset", target=user.email, details={"methods": removed})
    if removed:
        reevaluate_sessions(request)
        notify_user(request, user, "your second factors were reset",
                    "An administrator removed your second factors for signing in "
                    f"({', '.join(removed)}). You may be asked to set one up at your next login.")
    return removed
