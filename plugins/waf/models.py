"""The plugin's table in each enabling tenant's database: the incidents it blocked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from praxcloud.plugin import UTCDateTime, plugin_metadata, utcnow


class WafBase(DeclarativeBase):
    metadata = plugin_metadata()


class Incident(WafBase):
    """A blocked request: what matched where, never the value itself (``excerpt`` is its
    shape, letters and digits masked)."""

    __tablename__ = "waf_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident: Mapped[str] = mapped_column(String(16), unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(200))
    score: Mapped[int] = mapped_column(Integer)
    matches: Mapped[list] = mapped_column(JSON, default=list)
    blacklisted: Mapped[bool] = mapped_column(default=False)
