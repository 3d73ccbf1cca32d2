"""The plugin's table in each enabling tenant's database: the locks it has set.

The foreign key to ``users`` (``ON DELETE CASCADE``) is declared in the migration.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from praxcloud.plugin import UTCDateTime, plugin_metadata, utcnow


class LockdownBase(DeclarativeBase):
    metadata = plugin_metadata()


class Lock(LockdownBase):
    """A user locked out for trying to reach beyond their rights, and when an admin freed them."""

    __tablename__ = "lockdown_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(index=True)
    locked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    unlocked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    unlocked_by: Mapped[str | None] = mapped_column(String(254))
