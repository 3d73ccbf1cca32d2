"""The platform database: the tenant registry, contracts and operators. No personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import PlatformBase
from .sessions import AuthSessionMixin
from .types import UTCDateTime, utcnow

TENANT_ACTIVE = "active"
TENANT_SUSPENDED = "suspended"


class Tenant(PlatformBase):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=TENANT_ACTIVE)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Core settings of the tenant (session lifetimes, CORS allowlist, ...).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Raised when a security setting or the contract changes: an open session
    # evaluated at an older epoch is evaluated again at its next request.
    security_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # The tenant's own key, wrapped by the master key; deleting it shreds the tenant.
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    # Database URL with credentials, sealed under the tenant key.
    sealed_db_url: Mapped[bytes] = mapped_column(LargeBinary)
    # A copy restored from another tenant's backup (core/tenant_copies.py): the
    # platform id its data is bound to (None: its own), and the keys that
    # tenant's field codecs derived from its tenant key, sealed under this one's.
    data_origin_id: Mapped[int | None] = mapped_column(default=None)
    sealed_codec_keys: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)

    @property
    def data_origin(self) -> int:
        """The platform id this tenant's stored data is bound to: its own, or its source's."""
        return self.id if self.data_origin_id is None else self.data_origin_id

    plugins: Mapped[list[TenantPlugin]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", lazy="selectin"
    )
    data_keys: Mapped[list[TenantDataKey]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TenantDataKey.version"
    )

    @property
    def is_active(self) -> bool:
        return self.status == TENANT_ACTIVE

    @property
    def enabled_plugins(self) -> frozenset[str]:
        return frozenset(p.plugin for p in self.plugins)

    def plugin_settings(self, plugin: str) -> dict[str, Any]:
        for row in self.plugins:
            if row.plugin == plugin:
                return dict(row.settings or {})
        raise LookupError(plugin)


class TenantPlugin(PlatformBase):
    """One line of a tenant's contract: a plugin it may use, with its settings."""

    __tablename__ = "tenant_plugins"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    plugin: Mapped[str] = mapped_column(String(80))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A move of the tenant's stored values that a codec plugin's change started and
    # that is not finished ({"action": "enable" | "disable" | "configure", "old": the
    # settings before}); None when none (praxcloud.core.field_moves).
    move: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    tenant: Mapped[Tenant] = relationship(back_populates="plugins")


DATA_KEY_ACTIVE = "active"
DATA_KEY_DECRYPT_ONLY = "decrypt_only"
DATA_KEY_RETIRED = "retired"


class TenantDataKey(PlatformBase):
    """A random data key of a tenant's for one purpose, wrapped by the master key.

    Kept here, never in the tenant's own database, so that a restored copy
    of a deleted tenant's database finds no key (crypto-shredding). Each
    purpose has at most one ``active`` version, which encrypts; older ones
    are ``decrypt_only`` while a rotation re-encrypts their values, then
    ``retired`` with their wrapped key erased. ``encryptions`` counts what
    the key encrypted (reserved in blocks, so it may run ahead, never behind).
    """

    __tablename__ = "tenant_data_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "purpose", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                           index=True)
    purpose: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default=DATA_KEY_ACTIVE)
    # Sealed by the master key (its id inside); None once retired.
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    encryptions: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class PlatformKey(PlatformBase):
    """A random key of the platform's own for one purpose, wrapped by the master key.

    What the platform seals for itself (operators' TOTP secrets) and the
    keys it derives stable values from (operators' WebAuthn user handles)
    hang on these, never on the master key directly: rotating the master
    key wraps them again and changes nothing they protect
    (:mod:`praxcloud.core.platform_keys`). States as :class:`TenantDataKey`'s.
    """

    __tablename__ = "platform_keys"
    __table_args__ = (UniqueConstraint("purpose", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default=DATA_KEY_ACTIVE)
    # Sealed by the master key (its id inside); None once retired.
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CacheVersion(PlatformBase):
    """A counter that database triggers raise whenever the rows a process caches change.

    ``tenants``: raised by any INSERT, UPDATE or DELETE on ``tenants`` or
    ``tenant_plugins``, whatever makes it (the app, the CLI, an operator's
    SQL), in the same transaction. A process asks for it once a second
    instead of reloading each cached tenant (:mod:`praxcloud.core.tenant_cache`).
    """

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


TENANTS_VERSION = "tenants"


class Operator(PlatformBase):
    """A platform operator: manages tenants and contracts, never reads tenant data."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OperatorSession(AuthSessionMixin, PlatformBase):
    __tablename__ = "operator_sessions"
    user_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))


class PlatformAuditEvent(PlatformBase):
    """What operators did (tenant and contract changes)."""

    __tablename__ = "platform_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(20), default="success")
    actor: Mapped[str | None] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(64))
    tenant_slug: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
