"""Engines and sessions: one platform database, one database per tenant.

Per-tenant engines are created lazily and kept in a bounded LRU so that a
process serving 1,000 tenants holds at most ``praxcloud.tenant_engines_max``
connection pools; an evicted engine is disposed.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool


def make_engine(url: str, **kwargs) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # A file per tenant: opening one is cheap, and SQLite pools add
            # nothing but held file handles across 1,000 tenants.
            kwargs.setdefault("poolclass", NullPool)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class EngineCache:
    """A bounded LRU of engines keyed by tenant slug and database URL."""

    def __init__(self, max_size: int, engine_kwargs: dict | None = None):
        self.max_size = max_size
        self.engine_kwargs = engine_kwargs or {}
        self._engines: OrderedDict[str, tuple[str, Engine]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, url_source) -> Engine:
        """Return the engine for ``key``; ``url_source()`` gives its URL when one must be made."""
        with self._lock:
            entry = self._engines.get(key)
            if entry is not None:
                self._engines.move_to_end(key)
                return entry[1]
        url = url_source()
        fingerprint = hashlib.sha256(url.encode()).hexdigest()
        engine = make_engine(url, **self.engine_kwargs)
        evicted: list[Engine] = []
        with self._lock:
            entry = self._engines.get(key)
            if entry is not None and entry[0] == fingerprint:
                evicted.append(engine)
                engine = entry[1]
            else:
                if entry is not None:
                    evicted.append(entry[1])
                self._engines[key] = (fingerprint, engine)
            self._engines.move_to_end(key)
            while len(self._engines) > self.max_size:
                evicted.append(self._engines.popitem(last=False)[1][1])
        for old in evicted:
            old.dispose()
        return engine

    def forget(self, key: str) -> None:
        with self._lock:
            entry = self._engines.pop(key, None)
        if entry is not None:
            entry[1].dispose()

    def __len__(self) -> int:
        return len(self._engines)

    def dispose_all(self) -> None:
        with self._lock:
            entries = list(self._engines.values())
            self._engines.clear()
        for _, engine in entries:
            engine.dispose()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
