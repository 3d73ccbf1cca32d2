"""The columns an authenticator app and a security key have wherever they are kept.

Operators' factors live in the platform database (:mod:`.operator_mfa`),
tenant users' in each tenant's database (the mfa_totp and mfa_webauthn
plugins' own declarative bases); the rows are the same but for whose they
are. These mixins hold the shared columns: each model adds its primary key
and its owner column (a foreign key for operators, declared in the
migration for users), so no table changes by using them.

Single-use steps are spent with one conditional UPDATE whose row count
decides (:meth:`TotpDeviceColumns.spend_step`, :meth:`~TotpDeviceColumns.activate_pending`):
of two requests racing with one code, on PostgreSQL the second waits for the
first's commit and then finds the step spent; SQLite runs one writer at a time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, LargeBinary, String, or_, update
from sqlalchemy.orm import Mapped, mapped_column

from .types import UTCDateTime, utcnow


class TotpDeviceColumns:
    """An authenticator app: the active secret and one being set up, both sealed.

    ``secret`` is the active secret, ``pending_secret`` one being set up and
    not confirmed by a code yet (the active one stays active until then).
    """

    secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The time step of the last accepted code: only later steps are accepted,
    # so each code works once, and a code older than the last one never does.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    pending_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    pending_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def active(self) -> bool:
        return self.secret is not None and self.confirmed_at is not None

    def spend_step(self, db, step: int) -> bool:
        """Mark ``step`` used unless it or a later one already is; True if this call did."""
        model = type(self)
        return db.execute(
            update(model)
            .where(model.id == self.id,
                   or_(model.last_used_step.is_(None), model.last_used_step < step))
            .values(last_used_step=step).execution_options(synchronize_session=False)
        ).rowcount == 1

    def activate_pending(self, db, step: int) -> bool:
        """Make the pending secret the active one, its confirming ``step`` spent.

        True if this call did; False when the set-up it read is gone (finished
        or replaced by a racing request).
        """
        model = type(self)
        return db.execute(
            update(model)
            .where(model.id == self.id, model.pending_secret == self.pending_secret)
            .values(secret=self.pending_secret, pending_secret=None, pending_since=None,
                    confirmed_at=utcnow(), last_used_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount == 1


class WebauthnKeyColumns:
    """A registered security key: what py_webauthn needs to check it again, and its name."""

    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The authenticator's counter is an unsigned 32-bit number: wider than INTEGER.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WebauthnChallengeColumns:
    """A challenge handed to a browser, kept server-side: what it is for, its bytes, its life.

    Each model adds how it is found again and whom it is bound to.
    """

    purpose: Mapped[str] = mapped_column(String(16))
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
