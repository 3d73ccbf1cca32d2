"""Who is asking, and may they: the Pyramid security policy.

Three kinds of principal, told apart by where the request goes:
- ``/api/v1/{tenant}/...``: a tenant user by ``Authorization: Bearer <token>``;
- ``/platform/...``: a platform operator by the operator cookie;
- ``/{tenant}/...``: a tenant user by the console cookie (path-scoped per tenant).

Permissions come from the user's groups. A user with required actions
pending (MFA enrolment, expired password) is allowed only the routes of
those actions until they are done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pyramid.security import Allowed, Denied
from sqlalchemy import select

from .authsessions import SessionPolicy, SessionStore
from .models import KIND_API, KIND_CONSOLE, AuthSession, Operator, OperatorSession, User
from .permissions import AUTHENTICATED
from .required_actions import pending_in, required_action_routes
from .security_epoch import (
    bring_up_to_date,
    reevaluate_sessions,  # noqa: F401 - the public name for plugins
    session_epoch_of,
    tenant_epoch,
)
from .settings import settings_of
from .tenant_identity import find_live as find_tenant_identity

log = logging.getLogger(__name__)

CONSOLE_COOKIE = "praxcloud_session"
OPERATOR_COOKIE = "praxcloud_operator"
OPERATOR_PERMISSION = "platform.manage"
TOKEN_PREFIX_END = "."  # noqa: S105 - after the slug that starts a tenant token


@dataclass
class Identity:
    """An operator's identity, or a tenant user's built by hand (tests, scripts).

    Tenant requests get a :class:`~.tenant_identity.TenantIdentity`, which has
    the same attributes and loads its ORM rows only when asked.
    """

    user: object
    session: object
    kind: str  # "console", "api" or "operator"
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_operator(self) -> bool:
        return self.kind == "operator"

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def user_email(self) -> str:
        return self.user.email

    @property
    def session_data(self) -> dict:
        return self.session.data or {}


def area(request) -> str:
    path = request.path_info
    if path.startswith("/api/"):
        return "api"
    if path == "/platform" or path.startswith("/platform/"):
        return "platform"
    return "console"


def bearer_token(request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def tenant_credential(request) -> tuple[str | None, str]:
    """The session token a tenant request presents, and the kind of session it must be."""
    if area(request) == "api":
        return bearer_token(request), KIND_API
    return request.cookies.get(CONSOLE_COOKIE), KIND_CONSOLE


def tenant_sessions(request) -> SessionStore:
    return SessionStore(request.tenant_db, AuthSession,
                        SessionPolicy.from_tenant_settings(request.tenant.settings),
                        token_prefix=request.tenant.slug + TOKEN_PREFIX_END)


def operator_sessions(request) -> SessionStore:
    settings = request.registry
    return SessionStore(request.dbsession, OperatorSession, SessionPolicy.from_tenant_settings({
        "idle_timeout_minutes": settings_of(settings).operator_idle_minutes,
        "session_lifetime_hours": settings_of(settings).operator_lifetime_hours,
    }))


def _load_identity(request) -> Identity | None:
    where = area(request)
    if where == "platform":
        token = request.cookies.get(OPERATOR_COOKIE)
        if not token:
            return None
        store = operator_sessions(request)
        # Hold on to the operator find_live loads: the identity map is weak, and
        # a second get() would reload it, autoflushing the session's last_seen_at
        # touch and so taking SQLite's write lock for the rest of the request
        # (the platform console's services then write in sessions of their own).
        loaded: list[Operator | None] = []

        def operator_of(session):
            loaded.append(request.dbsession.get(Operator, session.user_id))
            return loaded[-1]

        session = store.find_live(token, "operator", operator_of)
        if session is None:
            return None
        return Identity(loaded[-1], session, "operator", frozenset({OPERATOR_PERMISSION}))
    if request.tenant is None:
        return None
    token, kind = tenant_credential(request)
    if not token:
        return None
    identity = find_tenant_identity(request, tenant_sessions(request), token, kind)
    if identity is None:
        return None
    if session_epoch_of(identity.session_data) < tenant_epoch(request.tenant):
        # Security settings tightened since the session was last evaluated: evaluate it again.
        bring_up_to_date(request, identity.session, identity.user)
    return identity


class PraxSecurityPolicy:
    def identity(self, request) -> Identity | None:
        return request.praxcloud_identity

    def authenticated_userid(self, request):
        identity = self.identity(request)
        return None if identity is None else identity.user_id

    def permits(self, request, context, permission):
        identity = self.identity(request)
        if identity is None:
            return Denied("not logged in")
        if permission == OPERATOR_PERMISSION:
            return Allowed("operator") if identity.is_operator else Denied("operators only")
        if identity.is_operator:
            # Segregation of duties: operators never hold tenant permissions.
            return Denied("operators have no tenant permissions")
        pending = pending_in(identity.session_data)
        if pending:
            route = request.matched_route.name if request.matched_route else None
            if route not in required_action_routes(pending):
                return Denied("required actions pending: " + ", ".join(a["name"] for a in pending))
        if permission == AUTHENTICATED or permission in identity.permissions:
            return Allowed(f"has {permission}")
        denied = Denied(f"lacks {permission}")
        denied.permission = permission
        return denied

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []


def user_by_id(request, user_id: int) -> User | None:
    return request.tenant_db.scalars(select(User).where(User.id == user_id)).first()


def includeme(config) -> None:
    config.add_request_method(_load_identity, "praxcloud_identity", reify=True)
    config.set_security_policy(PraxSecurityPolicy())
