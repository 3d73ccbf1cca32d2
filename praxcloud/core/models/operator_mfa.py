"""Operators' second factors, in the platform database.

Operators are platform-wide, so their factors cannot live in a tenant's
database as the mfa_totp and mfa_webauthn plugins' do; the core keeps them
here (see :mod:`praxcloud.core.operator_mfa`). Secrets are sealed under the
platform's secret key with the operator id bound; single-use things (a
pending login, a WebAuthn challenge, a TOTP step) are spent with one
conditional UPDATE whose row count decides.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .meta import PlatformBase
from .types import UTCDateTime, utcnow


class OperatorTotp(PlatformBase):
    """An operator's authenticator app: one per operator.

    ``secret`` is the active secret, ``pending_secret`` one being set up and
    not confirmed by a code yet (the active one stays active until then).
    """

    __tablename__ = "operator_totp"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The step of the last accepted code: only later steps are accepted (each code once).
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    pending_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    pending_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def active(self) -> bool:
        return self.secret is not None and self.confirmed_at is not None


class OperatorWebauthnKey(PlatformBase):
    """A security key an operator registered."""

    __tablename__ = "operator_webauthn_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The authenticator's counter is an unsigned 32-bit number: wider than INTEGER.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OperatorPendingLogin(PlatformBase):
    """A right password waiting for its second factor; no session exists until then.

    Found by the hash of the token in the browser's second-step cookie;
    single-use and short-lived.
    """

    __tablename__ = "operator_pending_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    next_url: Mapped[str | None] = mapped_column(String(500))
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OperatorWebauthnChallenge(PlatformBase):
    """A WebAuthn challenge handed to an operator's browser: server-side, single-use, brief.

    ``purpose`` is "register" (bound to the operator's session) or "login"
    (bound to the pending login); ``challenge_hash`` finds it again from the
    challenge the browser signed.
    """

    __tablename__ = "operator_webauthn_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    challenge_hash: Mapped[str] = mapped_column(String(64), unique=True)
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    # The operator session (register) or pending login (login) that asked for it.
    bound_to: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
