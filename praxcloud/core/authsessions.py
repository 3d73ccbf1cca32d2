"""Server-side login sessions: console cookies and API bearer tokens alike.

The client holds a random token; the database keeps only its SHA-256. A
session dies when revoked, when idle longer than the tenant's idle timeout,
when older than its absolute lifetime (the tenant's current one, so a shortened
lifetime reaches sessions already open), or when its user's password changed
after it was created (a timestamp comparison, no scan of sessions).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from .models import utcnow
from .tokens import hash_token, new_token

DEFAULT_IDLE_MINUTES = 30
DEFAULT_LIFETIME_HOURS = 12
# Writing last_seen_at on every request would turn every read into a write;
# once a minute keeps the idle timeout accurate to a minute.
TOUCH_INTERVAL = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    idle: dt.timedelta
    lifetime: dt.timedelta

    @classmethod
    def from_tenant_settings(cls, settings: dict | None) -> SessionPolicy:
        settings = settings or {}
        return cls(
            idle=dt.timedelta(
                minutes=int(settings.get("idle_timeout_minutes", DEFAULT_IDLE_MINUTES))
            ),
            lifetime=dt.timedelta(
                hours=float(settings.get("session_lifetime_hours", DEFAULT_LIFETIME_HOURS))
            ),
        )


class SessionStore:
    """Sessions of one kind of principal (tenant users or operators) in one database."""

    def __init__(self, db, model, policy: SessionPolicy, token_prefix: str = ""):
        self.db = db
        self.model = model
        self.policy = policy
        # Tenant tokens start with the tenant's slug: a token sent to another tenant's
        # address says whose it is (:mod:`.escalations`). Only the hash is kept, as before.
        self.token_prefix = token_prefix

    def create(self, user, kind: str, ip: str | None, user_agent: str | None) -> tuple[str, object]:
        token = self.token_prefix + new_token()
        now = utcnow()
        session = self.model(
            token_hash=hash_token(token),
            kind=kind,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.policy.lifetime,
            ip=ip,
            user_agent=(user_agent or "")[:300],
            csrf_token=secrets.token_urlsafe(32),
            data={},
        )
        self.db.add(session)
        self.db.flush()
        return token, session

    def find_live(self, token: str, kind: str, user_of):
        """The live session for ``token`` or None. ``user_of(session)`` loads its user."""
        if not token or len(token) > 200:
            return None
        session = self.db.scalars(
            select(self.model).where(self.model.token_hash == hash_token(token))
        ).first()
        if session is None or session.kind != kind or not self.is_live(session, user_of(session)):
            return None
        now = utcnow()
        if now - session.last_seen_at >= TOUCH_INTERVAL:
            session.last_seen_at = now
        return session

    def is_live(self, session, user) -> bool:
        """``session`` and ``user``: ORM rows, or anything with their attributes (a Core row,
        :mod:`.tenant_identity`)."""
        now = utcnow()
        return (
            session.revoked_at is None
            and now < session.expires_at
            # The lifetime of now, not only the one at login: shortening it ends older sessions.
            and now < session.created_at + self.policy.lifetime
            and now - session.last_seen_at < self.policy.idle
            and user is not None
            and user.is_active
            and session.created_at >= user.password_changed_at
        )

    def live_for_user(self, user) -> list:
        rows = self.db.scalars(
            select(self.model)
            .where(self.model.user_id == user.id, self.model.revoked_at.is_(None))
            .order_by(self.model.last_seen_at.desc())
        )
        return [row for row in rows if self.is_live(row, user)]

    def revoke(self, session) -> None:
        if session.revoked_at is None:
            session.revoked_at = utcnow()

    def revoke_all(self, user, keep=None) -> int:
        statement = update(self.model).where(
            self.model.user_id == user.id, self.model.revoked_at.is_(None)
        )
        if keep is not None:
            statement = statement.where(self.model.id != keep.id)
        result = self.db.execute(
            statement.values(revoked_at=utcnow()).execution_options(synchronize_session="fetch")
        )
        return result.rowcount or 0
