"""Who a tenant request comes from, found by one Core query.

Every authenticated tenant request needs its session (live or not), its
user (active, password not changed since) and the user's permissions. Loaded
as ORM objects (the session, the user, the groups) that lookup cost about
800 Python calls, a third of a request reading one record; as one Core row
per group it costs about 270. :class:`TenantIdentity` answers what every
request asks (the user's id and e-mail, the permissions, the session's
``data``) from that row, and loads the ORM rows (``identity.session``,
``identity.user``) only for a request that asks for them: one more query,
by primary key, on the paths that change a session or show a user.

Nothing is cached between requests: a revoked session, a disabled user or
a changed group is seen by the next request in every process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from .authsessions import TOUCH_INTERVAL, SessionStore
from .fields import codecs_of
from .models import AuthSession, Group, User, utcnow
from .models.tenant import user_groups
from .tokens import hash_token

_S, _U, _G = AuthSession.__table__, User.__table__, Group.__table__
# One row per group of the user (one row, with no permissions, for a user in none).
_LOOKUP = (
    select(_S.c.id, _S.c.kind, _S.c.created_at, _S.c.last_seen_at, _S.c.expires_at,
           _S.c.revoked_at, _S.c.data, _U.c.id.label("user_id"), _U.c.email,
           _U.c.is_active, _U.c.password_changed_at, _G.c.permissions)
    .select_from(_S.join(_U, _U.c.id == _S.c.user_id)
                 .outerjoin(user_groups, user_groups.c.user_id == _U.c.id)
                 .outerjoin(_G, _G.c.id == user_groups.c.group_id))
    .where(_S.c.token_hash == bindparam("token_hash"))
)
_TOUCH = (update(AuthSession).where(AuthSession.id == bindparam("session_id"))
          .values(last_seen_at=bindparam("now"))
          .execution_options(synchronize_session=False))
# The ORM rows, when a request asks for them: the session with its user and groups.
_SESSION_WITH_USER = (joinedload(AuthSession.user).joinedload(User.groups),)


@dataclass(frozen=True)
class _UserFacts:
    """What :meth:`SessionStore.is_live` reads of a user."""

    is_active: bool
    password_changed_at: dt.datetime


class TenantIdentity:
    """A tenant user's identity; see the module's docstring."""

    is_operator = False

    def __init__(self, request, row, permissions: frozenset[str], email: str):
        self._request = request
        self._row = row
        self._session = None
        self.kind: str = row.kind
        self.permissions = permissions
        self.user_id: int = row.user_id
        self.user_email: str = email

    @property
    def session(self) -> AuthSession:
        """The session's ORM row, loaded (with the user and groups) when first asked for."""
        if self._session is None:
            db = self._request.tenant_db
            found = db.scalars(select(AuthSession).options(*_SESSION_WITH_USER)
                               .where(AuthSession.id == self._row.id)).unique().first()
            if found is None:  # deleted since this request found it: refuse what follows
                raise LookupError("the session ended during the request")
            self._session = found
        return self._session

    @property
    def user(self) -> User:
        return self.session.user

    @property
    def session_data(self) -> dict[str, Any]:
        """The session's ``data``: the ORM row's once it is loaded (it may have changed)."""
        if self._session is not None:
            return self._session.data or {}
        return self._row.data or {}


def find_live(request, store: SessionStore, token: str, kind: str) -> TenantIdentity | None:
    """The identity behind ``token`` if its session is live, touching its last use
    at most once a minute (:data:`~.authsessions.TOUCH_INTERVAL`); else None."""
    if not token or len(token) > 200:
        return None
    db = request.tenant_db
    rows = db.execute(_LOOKUP, {"token_hash": hash_token(token)}).all()
    if not rows:
        return None
    row = rows[0]
    user = _UserFacts(row.is_active, row.password_changed_at)
    if row.kind != kind or not store.is_live(row, user):
        return None
    now = utcnow()
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        db.execute(_TOUCH, {"session_id": row.id, "now": now})
    permissions = frozenset(p for found in rows for p in (found.permissions or ()))
    email = row.email
    # reading: while a move decrypts, the stored e-mail may still be encrypted.
    codec = codecs_of(db).reading(User, "email")
    if codec is not None and email is not None:
        email = codec.decode(email, row.user_id)
    return TenantIdentity(request, row, permissions, email)
