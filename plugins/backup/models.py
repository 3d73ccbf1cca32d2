"""The plugin's table in each enabling tenant's database (its alembic branch "backup").

A declarative base of the plugin's own (with the core's naming convention),
so the core's metadata never picks the table up.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from praxcloud.plugin import UTCDateTime, plugin_metadata


class BackupBase(DeclarativeBase):
    metadata = plugin_metadata()


class BackupStatus(BackupBase):
    """The tenant's repository as last read (:mod:`.status`): one row, id 1."""

    __tablename__ = "backup_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The slug whose repository the figures are of: a copy restored from another
    # tenant's backup brings that tenant's row, which is not the copy's.
    repository: Mapped[str] = mapped_column(String(40))
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column()
    verified_count: Mapped[int] = mapped_column()
    newest_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    newest_size: Mapped[int | None] = mapped_column(BigInteger)
    newest_verified: Mapped[bool | None] = mapped_column()
    last_good_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Why the repository could not be read the last time it was tried (a BackupError's
    # code), the figures then being those of the read before; None when it was read.
    error: Mapped[str | None] = mapped_column(String(40))
