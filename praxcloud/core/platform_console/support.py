"""Helpers the platform console's views share: the operator cookie, redirects, input, the trail.

A note on ordering that every mutating view here follows: the provisioning
and contract services commit in sessions of their own, and the platform
trail is written in its own session too. On SQLite a second connection
cannot write while the request's connection holds the write lock, so a
view calls those services *before* anything makes the request's session
flush (a query after the operator session was touched, for instance).
"""

from __future__ import annotations

import re
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..durable import side_engine
from ..forms import FORM_INVALID, sentence  # noqa: F401 - re-exported
from ..models import PlatformAuditEvent, Tenant, utcnow
from ..security import OPERATOR_COOKIE
from ..settings import settings_of

# The pending login between a right password and the second factor.
PENDING_LOGIN_COOKIE = "praxcloud_operator_login"

# C0 and C1 control characters (NUL included, which PostgreSQL refuses in text).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def sentences(messages: dict[str, str]) -> dict[str, str]:
    return {key: sentence(message) for key, message in messages.items()}


def operator_email(request) -> str:
    return request.praxcloud_identity.user.email


def redirect(request, route: str, **kw) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_url(route, **kw))


def safe_next(value: str | None) -> str | None:
    """A path inside the platform console to return to after login, or None."""
    if not value or not value.startswith("/platform/") or "//" in value or "\\" in value:
        return None
    if _CONTROL.search(value):
        return None
    return value


def set_operator_cookie(request, response, token: str) -> None:
    response.set_cookie(
        OPERATOR_COOKIE, token, path="/platform", httponly=True,
        secure=settings_of(request).secure_cookies,
        samesite="Lax",
    )


def clear_operator_cookie(response) -> None:
    response.delete_cookie(OPERATOR_COOKIE, path="/platform")


def set_pending_login_cookie(request, response, token: str) -> None:
    response.set_cookie(
        PENDING_LOGIN_COOKIE, token, path="/platform/login", httponly=True,
        secure=settings_of(request).secure_cookies,
        samesite="Strict",
    )


def clear_pending_login_cookie(response) -> None:
    response.delete_cookie(PENDING_LOGIN_COOKIE, path="/platform/login")


def form_text(request, name: str, max_length: int) -> tuple[str, str | None]:
    """A stripped one-line form value and an error message, if it is not acceptable."""
    value = request.POST.get(name, "")
    if not isinstance(value, str):
        return "", "send this field as text."
    value = value.strip()
    if _CONTROL.search(value):
        return "", "this field may not contain control characters."
    if len(value) > max_length:
        return value[:max_length], f"use at most {max_length} characters."
    return value, None


def query_text(request, name: str, max_length: int) -> str:
    """A search or filter value from the query string; control characters are dropped."""
    value = request.GET.get(name, "")
    return _CONTROL.sub("", value).strip()[:max_length]


def tenant_or_404(request, slug: str) -> Tenant:
    tenant = request.registry.tenancy.find(request.dbsession, slug)
    if tenant is None:
        raise HTTPNotFound()
    return tenant


def record_event(request, event: str, *, tenant_slug: str | None = None,
                 outcome: str = "success", actor: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
    """Write one platform audit event now, in its own transaction.

    The changes audited here are committed by the services themselves, and a
    failed login's request is not meant to change anything: either way the
    trail must hold the event whatever becomes of the request.
    """
    if actor is None and request.praxcloud_identity is not None:
        actor = operator_email(request)
    # A pool of its own: the request holds a connection of the platform pool,
    # and a burst of such requests waiting for a second one would empty it.
    engine = side_engine(request.registry.tenancy.platform_engine)
    with Session(bind=engine) as platform_db, platform_db.begin():
        platform_db.add(PlatformAuditEvent(
            at=utcnow(), event=event, outcome=outcome, actor=actor,
            ip=(request.client_addr or "")[:64] or None, tenant_slug=tenant_slug,
            details=details or {},
        ))


def recent_events(request, tenant_slug: str | None = None, limit: int = 20) -> list:
    query = select(PlatformAuditEvent).order_by(PlatformAuditEvent.at.desc(),
                                                PlatformAuditEvent.id.desc())
    if tenant_slug is not None:
        query = query.where(PlatformAuditEvent.tenant_slug == tenant_slug)
    return list(request.dbsession.scalars(query.limit(limit)))
