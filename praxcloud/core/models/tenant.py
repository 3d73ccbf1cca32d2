"""Tables that live in each tenant's own database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import TenantBase
from .sessions import AuthSessionMixin
from .types import ENCODED_LENGTH, SealableDate, UTCDateTime, utcnow

user_groups = Table(
    "user_groups",
    TenantBase.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)


class Group(TenantBase):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)

    users: Mapped[list[User]] = relationship(secondary=user_groups, back_populates="groups")


class User(TenantBase):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Wide enough for an encoded (encrypted) value: see praxcloud.core.fields.
    email: Mapped[str] = mapped_column(String(ENCODED_LENGTH), unique=True)
    # The e-mail's blind index when a field codec encodes it: what login looks up.
    email_index: Mapped[str | None] = mapped_column(String(64), index=True)
    display_name: Mapped[str] = mapped_column(String(ENCODED_LENGTH), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Sessions created before this moment are dead (password changed or reset).
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the anonymiser plugin anonymised the account (P9); None while it is personal.
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    groups: Mapped[list[Group]] = relationship(
        secondary=user_groups, back_populates="users", lazy="selectin"
    )

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(p for group in self.groups for p in (group.permissions or ()))

    @property
    def group_names(self) -> list[str]:
        return sorted(group.name for group in self.groups)


class AuthSession(AuthSessionMixin, TenantBase):
    __tablename__ = "auth_sessions"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship(lazy="joined")


class LoginChallenge(TenantBase):
    """The state between a correct first factor and a completed second factor.

    Identified by the ``mfa_token`` (hash kept only), single-use, short-lived,
    bound to the user and to the password step that created it.
    """

    __tablename__ = "login_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(default=0)
    ip: Mapped[str | None] = mapped_column(String(64))
    # Per-login state of second-factor plugins (a WebAuthn challenge); read as
    # ``challenge.data or {}`` (rows from before the column have none).
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)

    user: Mapped[User] = relationship(lazy="joined")


RESET_LINK = "reset"
INVITATION_LINK = "invitation"


class PasswordReset(TenantBase):
    """A single-use link to set a password: a forgot-password ``reset`` or an ``invitation``."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default=RESET_LINK, server_default=RESET_LINK)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class Record(TenantBase):
    """A personal-data record the institution keeps about someone it serves."""

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Wide enough for an encoded name; record_rules keeps plain names far shorter.
    name: Mapped[str] = mapped_column(String(ENCODED_LENGTH))
    # The encoded name's words as the codec's blind index, " t1 t2 " (fields.py).
    name_tokens: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(ENCODED_LENGTH))
    phone: Mapped[str | None] = mapped_column(String(255))
    # ISO text rather than a date column, so that a codec may store it encoded.
    date_of_birth: Mapped[dt.date | None] = mapped_column(SealableDate)
    notes: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the anonymiser plugin anonymised the record (P9): every field changed in the
    # same transaction as this column, so None means none of them was.
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(TenantBase):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(80), index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="success")
    actor_id: Mapped[int | None] = mapped_column()
    # Display values (an e-mail, a record's name, a search text): they follow
    # the users.email field codec, hence as wide as an encoded value.
    actor: Mapped[str | None] = mapped_column(String(ENCODED_LENGTH))
    ip: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(ENCODED_LENGTH))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditSubject(TenantBase):
    """Whose data an audit event touched: what a data subject access report looks up.

    ``kind`` is ``record`` or ``user`` (``ref_id`` their id) or ``email``
    (``ref_key`` a digest of an e-mail address that names no user, such as a
    failed login's). Kept apart from the event's text, so that the report
    finds a person by id, never by reading display values.
    """

    __tablename__ = "audit_subjects"
    __table_args__ = (
        Index("ix_audit_subjects_ref_id", "kind", "ref_id"),
        Index("ix_audit_subjects_ref_key", "kind", "ref_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("audit_events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    ref_id: Mapped[int | None] = mapped_column()
    ref_key: Mapped[str | None] = mapped_column(String(64))
