"""The plugin's table in each enabling tenant's database.

A declarative base of the plugin's own (with the core's naming convention):
the core's metadata, which the core's alembic environment autogenerates
from, stays the core's, and the table exists only where the plugin's
migration branch was applied.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from praxcloud.plugin import plugin_metadata


class HelloBase(DeclarativeBase):
    metadata = plugin_metadata()


class HelloVisit(HelloBase):
    """How many times a user of the tenant has been greeted."""

    __tablename__ = "hello_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(unique=True)
    visits: Mapped[int] = mapped_column(default=0)
