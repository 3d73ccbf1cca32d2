"""The plugin's table in each enabling tenant's database: the password history.

A declarative base of the plugin's own (with the core's naming convention),
so the core's metadata never picks the table up; the foreign key to
``users`` (``ON DELETE CASCADE``: a deleted user's old hashes go with them)
is declared in the migration.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from praxcloud.plugin import UTCDateTime, plugin_metadata, utcnow


class PolicyBase(DeclarativeBase):
    metadata = plugin_metadata()


class PasswordHistory(PolicyBase):
    """A password a user has had, as its hash (the same Argon2id the core stores).

    Kept only while the tenant's ``history_count`` is above 0, and only the
    newest ``history_count`` per user.
    """

    __tablename__ = "password_policy_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
