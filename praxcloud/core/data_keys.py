"""A tenant's data keys: random 256-bit keys per purpose, versioned, wrapped by the master key.

Envelope encryption for what a plugin encrypts in bulk (field encryption):
the master key (KEK) wraps each data key; the wrapped keys live in the
platform database (``tenant_data_keys``), never in the tenant's own, so a
restored backup of a deleted tenant finds none. A purpose has one
``active`` version, which encrypts; a rotation makes it ``decrypt_only`` and
adds the next version; once nothing is stored under the old one it is
``retired`` and its wrapped key erased.

The first version of a purpose is made on first use, by whichever process
asks first (the unique (tenant, purpose, version) settles a race). Every
process sees a change of state at its next request: the table's triggers
raise the tenants counter that the tenant cache watches.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from .crypto import KeyError_, generate_key
from .models import (
    DATA_KEY_ACTIVE,
    DATA_KEY_DECRYPT_ONLY,
    DATA_KEY_RETIRED,
    Tenant,
    TenantDataKey,
    utcnow,
)

log = logging.getLogger(__name__)


class DataKeyError(KeyError_):
    """No such data key, or one that may no longer be used for this."""


def _context(slug: str, purpose: str, version: int) -> str:
    return f"data-key:{slug}:{purpose}:{version}"


class DataKeys:
    """One tenant's data keys for one purpose, as they were when the tenant was loaded.

    What a codec holds: ``active_version()`` to encrypt, ``key(version)`` to
    open (opened keys are kept, never unwrapped per value), ``reserve()`` to
    count encryptions against a key's limit.
    """

    def __init__(self, tenancy, tenant: Tenant, purpose: str):
        self._tenancy = tenancy
        self.tenant_id = tenant.id
        # What a codec binds associated data to: the tenant's own id, or in a copy
        # restored from another tenant's backup, that tenant's (core/tenant_copies.py).
        self.origin_id = tenant.data_origin
        self.slug = tenant.slug
        self.purpose = purpose
        self._rows = {row.version: (row.state, row.wrapped) for row in tenant.data_keys
                      if row.purpose == purpose}
        self._opened: dict[int, bytes] = {}
        self._lock = threading.Lock()
        # Reservation bookkeeping (see reserve): last totals read, counts not yet written.
        self._totals: dict[int, int] = {}
        self._unreported: dict[int, int] = {}

    def versions(self) -> dict[int, str]:
        """Every version's state, oldest first."""
        return {version: state for version, (state, _) in sorted(self._rows.items())}

    def active_version(self) -> int:
        """The version that encrypts; the first is made when the purpose has none."""
        active = [v for v, (state, _) in self._rows.items() if state == DATA_KEY_ACTIVE]
        if active:
            return active[0]
        if self._rows:
            raise DataKeyError(f"{self.slug}: no active {self.purpose} key")
        with self._lock:
            if not self._rows:
                version, wrapped = create_first(self._tenancy, self.slug, self.purpose)
                self._rows[version] = (DATA_KEY_ACTIVE, wrapped)
        return self.active_version()

    def key(self, version: int) -> bytes:
        """The key of ``version``; a retired or unknown version has none."""
        opened = self._opened.get(version)
        if opened is not None:
            return opened
        state, wrapped = self._rows.get(version, (None, None))
        if state in (None, DATA_KEY_RETIRED) or wrapped is None:
            raise DataKeyError(f"{self.slug}: {self.purpose} key {version} is "
                               f"{'retired' if state else 'unknown'}")
        key = self._tenancy.keyring.open_data_key(
            wrapped, _context(self.slug, self.purpose, version))
        self._opened[version] = key
        return key

    def reserve(self, version: int, count: int) -> int:
        """Count ``count`` encryptions against ``version``; returns its total so far.

        On SQLite (development) the platform database may be locked by the
        very transaction that encrypts (changing a plugin's settings): the
        count is then carried to the next reservation instead. Elsewhere a
        count that cannot be written is an error: the caller refuses to encrypt.
        """
        table = TenantDataKey.__table__
        pending = self._unreported.pop(version, 0) + count
        try:
            with self._tenancy.platform_engine.begin() as connection:
                total = connection.execute(
                    update(table)
                    .where(table.c.tenant_id == self.tenant_id,
                           table.c.purpose == self.purpose, table.c.version == version)
                    .values(encryptions=table.c.encryptions + pending)
                    .returning(table.c.encryptions)).scalar_one()
        except OperationalError:
            if self._tenancy.platform_engine.dialect.name != "sqlite":
                raise
            log.warning("tenant %s: platform database locked; %d encryptions under %s key %d "
                        "are counted at the next reservation", self.slug, pending,
                        self.purpose, version)
            self._unreported[version] = pending
            return self._totals.get(version, 0) + pending
        self._totals[version] = total
        return total


def create_first(tenancy, slug: str, purpose: str) -> tuple[int, bytes]:
    """Version 1 of ``purpose``'s key, made now unless another process just made it."""
    try:
        with tenancy.platform_session() as platform_db:
            tenant = _tenant(platform_db, slug)
            wrapped = tenancy.keyring.wrap_data_key(generate_key(), _context(slug, purpose, 1))
            platform_db.add(TenantDataKey(tenant_id=tenant.id, purpose=purpose, version=1,
                                          state=DATA_KEY_ACTIVE, wrapped=wrapped))
        log.info("tenant %s: first %s data key made", slug, purpose)
    except IntegrityError:
        log.info("tenant %s: first %s data key made by another process", slug, purpose)
    with tenancy.platform_session() as platform_db:
        row = platform_db.scalars(select(TenantDataKey).where(
            TenantDataKey.tenant_id == _tenant(platform_db, slug).id,
            TenantDataKey.purpose == purpose, TenantDataKey.version == 1)).one()
        return row.version, row.wrapped


def rotate(tenancy, slug: str, purpose: str) -> int:
    """Make a new active version; the previous active one decrypts only. Returns the new one."""
    with tenancy.platform_session() as platform_db:
        rows = _rows(platform_db, slug, purpose, lock=True)
        version = max((row.version for row in rows), default=0) + 1
        for row in rows:
            if row.state == DATA_KEY_ACTIVE:
                row.state = DATA_KEY_DECRYPT_ONLY
        tenant = _tenant(platform_db, slug)
        platform_db.add(TenantDataKey(
            tenant_id=tenant.id, purpose=purpose, version=version, state=DATA_KEY_ACTIVE,
            wrapped=tenancy.keyring.wrap_data_key(generate_key(),
                                                  _context(slug, purpose, version))))
    log.warning("tenant %s: %s data key rotated to version %d", slug, purpose, version)
    return version


def retire(tenancy, slug: str, purpose: str, version: int) -> None:
    """Erase a decrypt-only version's key: what it encrypted can never be read again."""
    with tenancy.platform_session() as platform_db:
        rows = {row.version: row for row in _rows(platform_db, slug, purpose, lock=True)}
        row = rows.get(version)
        if row is None or row.state != DATA_KEY_DECRYPT_ONLY:
            raise DataKeyError(f"{slug}: {purpose} key {version} is not decrypt-only")
        row.state, row.wrapped, row.retired_at = DATA_KEY_RETIRED, None, utcnow()
    log.warning("tenant %s: %s data key %d retired", slug, purpose, version)


def rewrap_all(tenancy) -> int:
    """Wrap every tenant's data keys under the current master key; returns how many changed."""
    keyring = tenancy.keyring
    changed = 0
    with tenancy.platform_session() as platform_db:
        rows = platform_db.execute(
            select(TenantDataKey, Tenant.slug).join(Tenant, Tenant.id == TenantDataKey.tenant_id)
            .where(TenantDataKey.wrapped.is_not(None))).all()
        for row, slug in rows:
            if keyring.is_current(row.wrapped):
                continue
            context = _context(slug, row.purpose, row.version)
            row.wrapped = keyring.wrap_data_key(keyring.open_data_key(row.wrapped, context),
                                                context)
            changed += 1
    return changed


def copy_all(tenancy, platform_db, source: Tenant, copy: Tenant) -> int:
    """Give ``copy`` every data key of ``source``: each purpose, each version, in its state.

    Each key is wrapped again for the copy's own context (the wrap binds the
    slug), so the copy opens its keys without the source's rows, and deleting
    either tenant erases its own rows only. A retired key stays retired (no
    key). The encryption counts come along: they count what the key made.
    Returns how many rows were copied.
    """
    keyring = tenancy.keyring
    count = 0
    for row in sorted(source.data_keys, key=lambda row: (row.purpose, row.version)):
        wrapped = None
        if row.wrapped is not None:
            key = keyring.open_data_key(row.wrapped,
                                        _context(source.slug, row.purpose, row.version))
            wrapped = keyring.wrap_data_key(key, _context(copy.slug, row.purpose, row.version))
        platform_db.add(TenantDataKey(
            tenant_id=copy.id, purpose=row.purpose, version=row.version, state=row.state,
            wrapped=wrapped, created_at=row.created_at, retired_at=row.retired_at,
            encryptions=row.encryptions))
        count += 1
    return count


def status(tenancy, slug: str, purpose: str) -> list[dict]:
    """Each version's state, age and encryption count: for the console and the CLI."""
    with tenancy.platform_session() as platform_db:
        return [{"version": row.version, "state": row.state, "created_at": row.created_at,
                 "retired_at": row.retired_at, "encryptions": row.encryptions}
                for row in _rows(platform_db, slug, purpose)]


def _tenant(platform_db, slug: str) -> Tenant:
    from .provisioning import TenantNotFound  # provisioning -> tenancy -> fields -> here

    tenant = platform_db.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None:
        raise TenantNotFound(slug)
    return tenant


def _rows(platform_db, slug: str, purpose: str, lock: bool = False) -> list[TenantDataKey]:
    statement = (select(TenantDataKey)
                 .where(TenantDataKey.tenant_id == _tenant(platform_db, slug).id,
                        TenantDataKey.purpose == purpose)
                 .order_by(TenantDataKey.version))
    if lock:
        statement = statement.with_for_update()
    return list(platform_db.scalars(statement))
