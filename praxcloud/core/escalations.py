"""Attempts to reach beyond one's rights that the core recognises whatever the permissions.

Most escalation attempts are refused permissions, which the tenant's plugins
hear of through ``praxcloud_permission_denied``. Two are not, and the core
catches them itself, then tells the plugins of the user's tenant
(``praxcloud_escalation_attempt``, e.g. lockdown) and audits them:

- ``foreign_tenant``: a live session's token of tenant A sent to tenant B's
  address (a forged slug). The session is unknown in B, so B can only answer
  401; the token's prefix names A (tenant tokens start with their tenant's
  slug and a dot), so A is told, in a request of its own that carries the
  client's address. B's trail learns nothing of A's user.
- ``foreign_token``: a console form sent in one's own session with the CSRF
  token of another user's session: a token replayed from someone else.

Ids of another tenant cannot name anything here: each tenant has its own
database, so another tenant's id is a missing or an unrelated row of one's
own, answered 404 or checked by permission like any other.

Neither check changes the answer (401, or the console's "try again" page),
and a failure inside one is logged and swallowed: the request is refused
already.
"""

from __future__ import annotations

import logging
from typing import Any

import transaction
from sqlalchemy import select

from .models import AuthSession
from .scripting import client_environ, tenant_request
from .security import TOKEN_PREFIX_END, area, tenant_credential, tenant_sessions
from .tenant_identity import find_live

log = logging.getLogger(__name__)

FOREIGN_TENANT = "foreign_tenant"
FOREIGN_TOKEN = "foreign_token"  # noqa: S105 - a kind of attempt
MAX_TOKEN_LENGTH = 200


def report_escalation(request, user, kind: str, details: dict[str, Any]) -> None:
    """Tell ``user``'s tenant's plugins (``request`` is of that tenant) and its trail."""
    try:
        request.tenant_hooks.praxcloud_escalation_attempt(
            request=request, user=user, kind=kind, details=details)
    finally:
        request.audit.record("escalation.attempt", outcome="failure", target=user.email,
                             actor_id=user.id, actor=user.email, durable=True,
                             details={"kind": kind, **details})


def token_tenant(token: str) -> str | None:
    """The slug a tenant token starts with, or None (an older token, or not one of ours)."""
    slug, dot, rest = token.partition(TOKEN_PREFIX_END)
    return slug if dot and rest and slug else None


def check_foreign_tenant(request) -> None:
    """Called for a request refused as not logged in: was it another tenant's live session?"""
    try:
        _check_foreign_tenant(request)
    except Exception:
        log.exception("a token presented to tenant %s could not be checked against its own "
                      "tenant", getattr(request.tenant, "slug", None))


def _check_foreign_tenant(request) -> None:
    if request.tenant is None or area(request) == "platform":
        return
    token, kind = tenant_credential(request)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return
    home = token_tenant(token)
    if home is None or home == request.tenant.slug:
        return
    if request.registry.tenancy.cached(home) is None:
        return
    details = {"method": request.method, "path": request.path_info[:200],
               "tenant": request.tenant.slug}
    # A transaction of its own: the refused request's is rolled back.
    with tenant_request(request.registry, home, base_url=request.application_url,
                        transaction_manager=transaction.TransactionManager(),
                        environ=client_environ(request)) as home_request:
        identity = find_live(home_request, tenant_sessions(home_request), token, kind)
        if identity is None:
            return
        log.warning("a live session of tenant %s was sent to tenant %s (%s %s)", home,
                    request.tenant.slug, request.method, details["path"])
        report_escalation(home_request, identity.user, FOREIGN_TENANT, details)


def check_foreign_csrf_token(request) -> None:
    """Called when a console form's CSRF token was wrong: was it another user's session's?"""
    try:
        _check_foreign_csrf_token(request)
    except Exception:
        log.exception("a refused CSRF token in tenant %s could not be checked",
                      getattr(request.tenant, "slug", None))


def _check_foreign_csrf_token(request) -> None:
    identity = request.praxcloud_identity
    if identity is None or identity.kind != "console" or request.tenant is None:
        return
    supplied = request.POST.get("csrf_token") or request.headers.get("X-CSRF-Token")
    if not supplied or len(supplied) > 64:
        return
    # Only refused forms get here, so the lookup (no index on csrf_token) is rare.
    owner = request.tenant_db.scalars(
        select(AuthSession.user_id).where(AuthSession.csrf_token == supplied,
                                          AuthSession.user_id != identity.user_id)).first()
    if owner is None:
        return
    report_escalation(request, identity.user, FOREIGN_TOKEN,
                      {"method": request.method, "path": request.path_info[:200],
                       "tenant": request.tenant.slug})
