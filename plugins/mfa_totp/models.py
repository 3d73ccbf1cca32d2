"""The plugin's tables in each enabling tenant's database.

A declarative base of the plugin's own (with the core's naming convention),
so the core's metadata never picks these tables up; they exist only where
the plugin's migration branch ("mfa_totp") was applied. The foreign keys to
``users`` are declared in the migration (``ON DELETE CASCADE``), not here:
``users`` belongs to the core's metadata.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from praxcloud.plugin import TotpDeviceColumns, UTCDateTime, plugin_metadata, utcnow


class TotpBase(DeclarativeBase):
    metadata = plugin_metadata()


class TotpDevice(TotpDeviceColumns, TotpBase):
    """A user's authenticator app: one per user (columns: the core's ``TotpDeviceColumns``).

    A pending secret is a first enrolment, or a new phone replacing the
    active one, which stays active until then. Both secrets are sealed
    (AES-GCM) under the tenant's "mfa_totp" key with the user id bound.
    """

    __tablename__ = "totp_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(unique=True)


class TotpRecoveryCode(TotpBase):
    """One single-use recovery code; only an HMAC of it is kept."""

    __tablename__ = "totp_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
