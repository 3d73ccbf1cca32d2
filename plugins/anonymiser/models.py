"""The plugin's tables: its runs (dry or real) and the receipts of erasures.

Neither holds personal data: counts, ids of records sampled by a dry run
(ids of records that are about to lose everything personal), the policy's
version, who asked (a user id or the command line).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from praxcloud.plugin import UTCDateTime, plugin_metadata, utcnow


class AnonymiserBase(DeclarativeBase):
    metadata = plugin_metadata()


DRY_RUN = "dry_run"
REAL_RUN = "run"

RUNNING = "running"
DONE = "done"
REFUSED = "refused"


class Run(AnonymiserBase):
    __tablename__ = "anonymiser_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=RUNNING)
    policy_version: Mapped[str] = mapped_column(String(12), index=True)
    trigger: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cutoff: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    records: Mapped[int] = mapped_column(default=0)
    # Per field: rows whose field is (dry run: would be) rewritten.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sample_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class Receipt(AnonymiserBase):
    """What an erasure erased, when, by whom: counts only, never who was erased."""

    __tablename__ = "anonymiser_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column()
    by: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
