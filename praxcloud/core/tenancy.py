"""Tenants: where each tenant's database is, and opening it.

The :class:`Tenancy` service lives on the registry (``registry.tenancy``)
and is shared by web requests, Celery tasks and the CLI. It owns the
platform engine and the bounded cache of tenant engines; the tenant's
database URL, credentials included, is kept sealed under the tenant's own
key and only opened when an engine is made.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .crypto import KeyRing, seal, unseal
from .db import EngineCache, make_engine, session_factory
from .errors import PraxError
from .fields import attach
from .models import Tenant
from .settings import settings_of

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
# Path segments the platform itself uses; no tenant may take them.
RESERVED_SLUGS = frozenset({
    "api", "platform", "static", "assets", "admin", "www", "health", "login", "logout",
    "docs", "openapi", "favicon-ico", "robots-txt", "root", "postgres", "template0",
    "template1",
})


class InvalidSlug(PraxError, ValueError):
    """A tenant slug that is malformed or reserved (a ValueError too, as it always was)."""

    code = "invalid_slug"
    status = 422


def check_slug(slug: str) -> str:
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise InvalidSlug(
            "a tenant slug is 3-40 characters: lower-case letters, digits and '-', "
            "starting with a letter"
        )
    if slug in RESERVED_SLUGS:
        raise InvalidSlug(f"the slug {slug!r} is reserved")
    return slug


class Tenancy:
    def __init__(self, settings, keyring: KeyRing):
        self.settings = settings
        self.keyring = keyring
        self.platform_engine = make_engine(settings_of(settings).required("platform_db_url"))
        self.platform_sessions = session_factory(self.platform_engine)
        # Set once the plugin host exists (install_services): a FieldCodecResolver.
        self.field_codecs = None
        self.engines = EngineCache(
            settings_of(settings).tenant_engines_max,
            engine_kwargs=self._pool_kwargs(settings),
        )

    @staticmethod
    def _pool_kwargs(settings) -> dict:
        if settings_of(settings).tenant_db_backend != "postgresql":
            return {}
        # Many small pools rather than few large ones: each tenant gets a
        # handful of connections; the LRU bounds how many pools exist.
        return {
            "pool_size": settings_of(settings).tenant_pool_size,
            "max_overflow": settings_of(settings).tenant_pool_overflow,
            "pool_recycle": 1800,
        }

    # Keys and URLs ----------------------------------------------------------
    def tenant_key(self, tenant: Tenant) -> bytes:
        return self.keyring.open_tenant_key(tenant.slug, tenant.wrapped_key)

    def derive_key(self, tenant: Tenant, purpose: str) -> bytes:
        """A key of the tenant's for one purpose; plugins use it for their secrets."""
        return KeyRing.derive_tenant_key(self.tenant_key(tenant), purpose)

    def seal_db_url(self, tenant: Tenant, url: str) -> bytes:
        return seal(self.derive_key(tenant, "db-credentials"), url.encode(), tenant.slug.encode())

    def open_db_url(self, tenant: Tenant) -> str:
        key = self.derive_key(tenant, "db-credentials")
        return unseal(key, tenant.sealed_db_url, tenant.slug.encode()).decode()

    # Engines and sessions ----------------------------------------------
    def engine_for(self, tenant: Tenant) -> Engine:
        return self.engines.get(tenant.slug, lambda: self.open_db_url(tenant))

    def tenant_session(self, tenant: Tenant) -> Session:
        session = Session(bind=self.engine_for(tenant), expire_on_commit=False)
        if self.field_codecs is not None:
            # Every tenant session reads and writes fields through the tenant's codecs.
            attach(session, self.field_codecs.for_tenant(tenant))
        return session

    def find(self, platform_db: Session, slug: str) -> Tenant | None:
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            return None
        return platform_db.scalars(select(Tenant).where(Tenant.slug == slug)).first()

    @contextmanager
    def platform_session(self):
        """A platform session committed on success, for CLI commands and tasks."""
        session = self.platform_sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def tenant_transaction(self, tenant: Tenant):
        session = self.tenant_session(tenant)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engines.dispose_all()
        self.platform_engine.dispose()
