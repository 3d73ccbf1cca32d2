"""The plugin's tables in each enabling tenant's database.

A declarative base of the plugin's own (with the core's naming convention),
so the core's metadata never picks these tables up; they exist only where
the plugin's migration branch ("mfa_totp") was applied. The foreign keys to
``users`` are declared in the migration (``ON DELETE CASCADE``), not here:
``users`` belongs to the core's metadata.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from praxcloud.core.models import UTCDateTime, utcnow
from praxcloud.core.models.meta import NAMING_CONVENTION


class TotpBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TotpDevice(TotpBase):
    """A user's authenticator app: one per user.

    ``secret`` is the active secret, ``pending_secret`` one being set up and
    not yet confirmed by a code (a first enrolment, or a new phone replacing
    the active one, which stays active until then). Both are sealed
    (AES-GCM) under the tenant's "mfa_totp" key with the user id bound.
    """

    __tablename__ = "totp_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(unique=True)
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


class TotpRecoveryCode(TotpBase):
    """One single-use recovery code; only an HMAC of it is kept."""

    __tablename__ = "totp_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
