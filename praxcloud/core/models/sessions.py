"""The shape of a server-side login session, shared by tenant users and operators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .types import UTCDateTime, utcnow

KIND_CONSOLE = "console"
KIND_API = "api"


class AuthSessionMixin:
    """A console cookie session or an API bearer token; only the SHA-256 of the secret is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    csrf_token: Mapped[str | None] = mapped_column(String(64))
    # Small per-session state: flash messages, step-up time, required actions.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Wrong passwords given to step-up or a password change: a column, so that one
    # conditional UPDATE counts a try before the password is checked (core/tries.py).
    reauth_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
