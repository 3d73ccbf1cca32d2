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
from sqlalchemy.orm import Session, joinedload

from .crypto import KeyRing, seal, unseal
from .db import EngineCache, make_engine, session_factory
from .errors import PraxError
from .fields import attach
from .models import TENANTS_VERSION, CacheVersion, Tenant
from .open_files import fit_sqlite_engines
from .request_sessions import RequestSession, join_request
from .settings import settings_of
from .tenant_cache import TenantCache, mark_cached
from .tenant_copies import copied_key

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
# Tenant engines a process keeps when praxcloud.tenant_engines_max is unset.
SQLITE_ENGINES = 1024
POSTGRESQL_ENGINES = 64
_TENANTS_VERSION = select(CacheVersion.version).where(CacheVersion.name == TENANTS_VERSION)
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
        # The platform sessions of web requests, which join the request's transaction.
        self.platform_request_sessions = session_factory(self.platform_engine, RequestSession)
        # Set once the plugin host exists (install_services): a FieldCodecResolver.
        self.field_codecs = None
        self.engines = EngineCache(
            self._engines_max(settings),
            engine_kwargs=self._pool_kwargs(settings),
        )
        # Tenants as requests see them (tenant_cache): emptied when a platform session of
        # this process commits a write, or when the platform's counter of tenant changes
        # moved (read every tenant_cache_seconds).
        self.tenants = TenantCache(self._load_detached, settings_of(settings).tenant_cache_seconds,
                                   max_size=4 * self.engines.max_size,
                                   version=self._tenants_version)
        self.tenants.watch(self.platform_sessions)
        self.tenants.watch(self.platform_request_sessions)

    @staticmethod
    def _engines_max(settings) -> int:
        parsed = settings_of(settings)
        if parsed.tenant_db_backend == "postgresql":
            # Each engine is a pool of server connections, which the server counts.
            return parsed.tenant_engines_max or POSTGRESQL_ENGINES
        return fit_sqlite_engines(parsed.tenant_engines_max or SQLITE_ENGINES,
                                  parsed.tenant_pool_size)

    @staticmethod
    def _pool_kwargs(settings) -> dict:
        # Many small pools rather than few large ones: each tenant gets a
        # handful of connections; the LRU bounds how many pools exist, and so
        # (SQLite) how many tenant files a process keeps open.
        kwargs = {
            "pool_size": settings_of(settings).tenant_pool_size,
            "max_overflow": settings_of(settings).tenant_pool_overflow,
        }
        if settings_of(settings).tenant_db_backend == "postgresql":
            kwargs["pool_recycle"] = 1800
        return kwargs

    # Keys and URLs ----------------------------------------------------------
    def tenant_key(self, tenant: Tenant) -> bytes:
        return self.keyring.open_tenant_key(tenant.slug, tenant.wrapped_key)

    def derive_key(self, tenant: Tenant, purpose: str) -> bytes:
        """A key of the tenant's for one purpose; plugins use it for their secrets.

        Bound to the tenant's data: in a copy restored from another tenant's
        backup, the purposes it was given the source's keys for (its codecs',
        the plugins' ``data_origin_keys``: :mod:`.tenant_copies`) answer the
        source's key, so what the source's rows hold opens in the copy.
        """
        if tenant.sealed_codec_keys is not None:
            copied = copied_key(self.keyring, tenant, purpose)
            if copied is not None:
                return copied
        return self.own_key(tenant, purpose)

    def own_key(self, tenant: Tenant, purpose: str) -> bytes:
        """A key derived from the tenant's own key, never a copied one (its database URL)."""
        return KeyRing.derive_tenant_key(self.tenant_key(tenant), purpose)

    def seal_db_url(self, tenant: Tenant, url: str) -> bytes:
        return seal(self.own_key(tenant, "db-credentials"), url.encode(), tenant.slug.encode())

    def open_db_url(self, tenant: Tenant) -> str:
        key = self.own_key(tenant, "db-credentials")
        return unseal(key, tenant.sealed_db_url, tenant.slug.encode()).decode()

    # Engines and sessions ----------------------------------------------
    def engine_for(self, tenant: Tenant) -> Engine:
        return self.engines.get(tenant.slug, lambda: self.open_db_url(tenant))

    def tenant_session(self, tenant: Tenant, request=None) -> Session:
        """A session on the tenant's database; with ``request``, one that joins the
        request's transaction (:mod:`.request_sessions`)."""
        if request is None:
            session = Session(bind=self.engine_for(tenant), expire_on_commit=False)
        else:
            session = join_request(
                RequestSession(bind=self.engine_for(tenant), expire_on_commit=False), request)
        if self.field_codecs is not None:
            # Every tenant session reads and writes fields through the tenant's codecs.
            attach(session, self.field_codecs.for_tenant(tenant))
        return session

    def find(self, platform_db: Session, slug: str) -> Tenant | None:
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            return None
        return platform_db.scalars(select(Tenant).where(Tenant.slug == slug)).first()

    def cached(self, slug: str) -> Tenant | None:
        """The tenant as requests see it: shared by this process's requests for up to
        ``tenant_cache_seconds``, detached, never to be changed (see :meth:`editable`)."""
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            return None
        return self.tenants.get(slug)

    def _load_detached(self, slug: str) -> Tenant | None:
        # The tenant row and its contract lines in one statement; closing the session
        # leaves the object detached with every attribute loaded.
        with self.platform_sessions() as session:
            tenant = session.scalars(
                select(Tenant).options(joinedload(Tenant.plugins)).where(Tenant.slug == slug)
            ).unique().first()
        return None if tenant is None else mark_cached(tenant)

    def _tenants_version(self) -> int | None:
        with self.platform_sessions() as session:
            return session.scalar(_TENANTS_VERSION)

    @staticmethod
    def editable(platform_db: Session, tenant: Tenant) -> Tenant:
        """``tenant`` loaded in ``platform_db``, to change it there; committing the change
        empties the tenant cache (the cached object itself is never written)."""
        return platform_db.get(Tenant, tenant.id)

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
        view_events = getattr(self, "view_events", None)
        if view_events is not None:
            view_events.stop()  # its last batch, while the engines are still there
        self.engines.dispose_all()
        self.platform_engine.dispose()
