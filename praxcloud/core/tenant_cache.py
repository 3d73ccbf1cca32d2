"""Tenants and their enabled plugins, kept per process until they change.

Every tenant request needs its tenant row and contract lines (two queries
on the platform database, about a fifth of a request's time), and tenants
change rarely. A process keeps each tenant it has loaded, detached from any
session, until it learns that tenants changed:

- a change made in this process (a platform session that commits a write:
  a suspension, a contract line, settings, the security epoch) empties the
  cache when it commits, so the next request loads the tenant afresh;
- a change made anywhere else (an operator's CLI, the other workers, SQL
  typed into psql) raises the platform's ``cache_versions`` counter in the
  same transaction (database triggers on ``tenants`` and
  ``tenant_plugins``, platform migration 0005). Every
  ``praxcloud.tenant_cache_seconds`` (1 by default) a process reads that
  counter, one small query whatever the number of tenants, and empties the
  cache when it moved: a suspended or deleted tenant is refused within a
  second everywhere, with no shared store to ask.

Checking one counter, rather than reloading each tenant when its second is
over, keeps a process that serves a thousand tenants from reloading one at
nearly every request (``bench/many_tenants.py``).

The cached tenant is shared by the requests of a process and must not be
changed: a view that changes the tenant loads it into its platform session
(:func:`praxcloud.core.tenancy.Tenancy.editable`). Setting an attribute of a
cached tenant or of its contract lines raises :class:`ReadOnlyTenant`,
rather than changing every request's copy and writing nothing. Unknown slugs are not
kept, so probing slugs cannot fill the cache; it holds at most ``max_size``
tenants (the least recently used go first).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from .models import Tenant, TenantPlugin

# session.info key: this platform transaction has sent a write.
CHANGED = "praxcloud.tenant_cache.changed"
# Instance attribute: this object belongs to the cache, shared and never written.
_CACHED = "_praxcloud_cached_tenant"


class ReadOnlyTenant(TypeError):
    """A cached tenant was about to be changed; load it with ``Tenancy.editable`` instead."""


def mark_cached(tenant: Tenant) -> Tenant:
    """Make ``tenant`` and its contract lines refuse changes (see ``ReadOnlyTenant``)."""
    vars(tenant)[_CACHED] = True
    for line in tenant.plugins:
        vars(line)[_CACHED] = True
    return tenant


def is_cached(tenant) -> bool:
    """Whether ``tenant`` is the cache's shared, never-changed copy."""
    return bool(vars(tenant).get(_CACHED))


def _refuse_change(target, value, *_args):
    if vars(target).get(_CACHED):
        raise ReadOnlyTenant(
            f"{type(target).__name__} from the tenant cache is shared by every request and "
            "never written: change it through Tenancy.editable(platform_db, tenant)")
    return value


def _guard(model: type) -> None:
    for attribute in inspect(model).attrs:
        if attribute.key == "plugins":
            event.listen(getattr(model, attribute.key), "append", _refuse_change, retval=True)
            event.listen(getattr(model, attribute.key), "remove", _refuse_change)
        elif hasattr(attribute, "columns") or attribute.key == "tenant":
            event.listen(getattr(model, attribute.key), "set", _refuse_change, retval=True)


_guard(Tenant)
_guard(TenantPlugin)


class TenantCache:
    """Tenants by slug, kept until a change is seen (see the module's notes).

    ``load(slug)`` gives a detached tenant or None; ``version()`` gives the
    platform's tenants counter. With ``ttl`` 0 nothing is kept: every call
    loads.
    """

    def __init__(self, load: Callable[[str], object | None], ttl: float, max_size: int,
                 version: Callable[[], int | None],
                 clock: Callable[[], float] = time.monotonic):
        self._load = load
        self._version = version
        self.ttl = ttl
        self.max_size = max_size
        self.clock = clock
        self._entries: OrderedDict[str, object] = OrderedDict()
        # Bumped by clear(): a load that began before a clear is not kept.
        self._generation = 0
        self._lock = threading.Lock()
        # The counter as last read, and when (clock time); None: never read.
        self._seen_version: int | None = None
        self._checked_at: float | None = None
        self._check_lock = threading.Lock()

    def get(self, slug: str):
        if self.ttl <= 0:
            return self._load(slug)
        checked_at = self._checked_at
        if checked_at is None or not 0 <= self.clock() - checked_at < self.ttl:
            self._check_version()
        with self._lock:
            tenant = self._entries.get(slug)
            if tenant is not None:
                self._entries.move_to_end(slug)
                return tenant
            generation = self._generation
        tenant = self._load(slug)
        with self._lock:
            if tenant is not None and generation == self._generation:
                self._entries[slug] = tenant
                while len(self._entries) > self.max_size:
                    self._entries.popitem(last=False)
        return tenant

    def _check_version(self) -> None:
        """Empty the cache if the platform's counter moved since it was last read."""
        with self._check_lock:
            # Another thread may have read it while this one waited.
            checked_at = self._checked_at
            now = self.clock()
            if checked_at is not None and 0 <= now - checked_at < self.ttl:
                return
            version = self._version()
            # No counter (its row deleted): nothing can be trusted past the period.
            if version is None or version != self._seen_version:
                self.clear()
                self._seen_version = version
            self._checked_at = now

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def watch(self, sessions: sessionmaker[Session]) -> None:
        """Empty the cache whenever a session of ``sessions`` commits a write."""
        event.listen(sessions, "after_flush", _flushed)
        event.listen(sessions, "do_orm_execute", _executed)
        event.listen(sessions, "after_commit", self._committed)
        event.listen(sessions, "after_rollback", _rolled_back)

    def _committed(self, session: Session) -> None:
        if session.info.pop(CHANGED, False):
            self.clear()


def _flushed(session: Session, _flush_context) -> None:
    session.info[CHANGED] = True


def _executed(state) -> None:
    # Any statement that is not a SELECT (an UPDATE of the security epoch,
    # a text() statement): the platform database writes rarely, so emptying
    # the cache after each costs little and misses nothing.
    if not state.is_select:
        state.session.info[CHANGED] = True


def _rolled_back(session: Session) -> None:
    session.info.pop(CHANGED, None)
