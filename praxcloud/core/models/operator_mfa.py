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

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .meta import PlatformBase
from .second_factor_columns import (
    TotpDeviceColumns,
    WebauthnChallengeColumns,
    WebauthnKeyColumns,
)
from .types import UTCDateTime, utcnow


class OperatorTotp(TotpDeviceColumns, PlatformBase):
    """An operator's authenticator app: one per operator (columns: :class:`TotpDeviceColumns`)."""

    __tablename__ = "operator_totp"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), unique=True)


class OperatorWebauthnKey(WebauthnKeyColumns, PlatformBase):
    """A security key an operator registered (columns: :class:`WebauthnKeyColumns`)."""

    __tablename__ = "operator_webauthn_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True)


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


class OperatorWebauthnChallenge(WebauthnChallengeColumns, PlatformBase):
    """A WebAuthn challenge handed to an operator's browser: server-side, single-use, brief.

    ``purpose`` is "register" (bound to the operator's session) or "login"
    (bound to the pending login); ``challenge_hash`` finds it again from the
    challenge the browser signed.
    """

    __tablename__ = "operator_webauthn_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_hash: Mapped[str] = mapped_column(String(64), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    # The operator session (register) or pending login (login) that asked for it.
    bound_to: Mapped[int] = mapped_column()
