"""Engines and sessions: one platform database, one database per tenant.

Per-tenant engines are created lazily and kept in a bounded LRU so that a
process serving 1,000 tenants holds at most ``praxcloud.tenant_engines_max``
connection pools; an evicted engine is disposed, which closes its pool's
connections.

SQLite files are pooled too (at most ``praxcloud.tenant_pool_size``
connections kept per engine, so a process keeps at most
``tenant_engines_max`` × ``tenant_pool_size`` tenant files open): opening a
file and setting its PRAGMAs cost a request about a fifth of its time when
every request opened two connections afresh. The PRAGMAs are set once per
connection, when the pool opens it.

Tenant engines of one database server share one SQLAlchemy dialect and one
compiled-statement cache (:class:`TenantEngineFactory`): every tenant has the
same schema, and SQLAlchemy caches compiled SQL and type adaptations per
dialect, so an engine made again after an eviction starts warm instead of
compiling every statement anew.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.util import LRUCache

from . import json_codec

# Compiled statements kept for all tenant engines together (SQLAlchemy's
# default is 500 per engine).
COMPILED_CACHE_SIZE = 2000
# create_engine() keyword -> pool constructor keyword.
POOL_ARGUMENTS = {"pool_size": "pool_size", "max_overflow": "max_overflow",
                  "pool_recycle": "recycle", "pool_pre_ping": "pre_ping",
                  "pool_timeout": "timeout"}


def make_engine(url: str, **kwargs) -> Engine:
    # JSON columns read by orjson; the dialect, and so this, is shared by
    # every tenant engine of a server (TenantEngineFactory).
    kwargs.setdefault("json_deserializer", json_codec.loads)
    # Bound values are personal data (or ciphertext, or password hashes): never in a
    # log line or an error message, echo on or off.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
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
    # In WAL mode NORMAL syncs the log at checkpoints, not at every commit:
    # the database stays consistent after a crash, and only the last commits
    # before a power loss (not a process crash) can be lost. FULL made every
    # request that writes its audit row (a record viewed) wait ~10 ms for the
    # disk. PostgreSQL (production) keeps its own synchronous_commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class TenantEngineFactory:
    """Engines for tenant databases that share a dialect and a compiled cache per server.

    The first engine for a server is made by ``create_engine`` and connects
    once, so that its dialect is initialized (server version, default
    schema); later engines for that server get their own pool and URL (their
    own credentials) around that same dialect and the shared cache. A
    statement compiled for one tenant is reused for all: its parameters are
    bound per execution, never compiled in.
    """

    def __init__(self, engine_kwargs: dict | None = None,
                 cache_size: int = COMPILED_CACHE_SIZE):
        self.engine_kwargs = dict(engine_kwargs or {})
        self.compiled_cache = LRUCache(cache_size)
        self._dialects: dict[tuple, Dialect] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str) -> Engine:
        parsed = make_url(url)
        server = (parsed.drivername, parsed.host, parsed.port)
        dialect = self._dialects.get(server)
        if dialect is not None:
            return self._around(dialect, parsed)
        engine = make_engine(url, execution_options={"compiled_cache": self.compiled_cache},
                             **self.engine_kwargs)
        with engine.connect():
            pass  # the first connection initializes the dialect
        with self._lock:
            self._dialects.setdefault(server, engine.dialect)
        return engine

    def _around(self, dialect: Dialect, url: URL) -> Engine:
        kwargs = dict(self.engine_kwargs)
        sqlite = url.get_backend_name() == "sqlite"
        kwargs.setdefault("connect_args", {"timeout": 30} if sqlite else {})
        if not sqlite:
            kwargs.setdefault("pool_pre_ping", True)
        cargs, cparams = dialect.create_connect_args(url)
        cparams = {**cparams, **kwargs.pop("connect_args")}
        poolclass = kwargs.pop("poolclass", None) or dialect.get_dialect_pool_class(url)
        pool_args = {POOL_ARGUMENTS[key]: kwargs.pop(key) for key in list(kwargs)
                     if key in POOL_ARGUMENTS}
        if kwargs:
            raise TypeError(f"tenant engines do not take {sorted(kwargs)}")

        def connect():
            return dialect.connect(*cargs, **cparams)

        pool = poolclass(connect, dialect=dialect, **pool_args)
        engine = Engine(pool, dialect, url, hide_parameters=True,
                        execution_options={"compiled_cache": self.compiled_cache})
        # What create_engine() would attach: the dialect's per-connection set-up.
        on_connect = dialect.on_connect_url(url)
        if on_connect is not None:
            event.listen(pool, "connect", lambda dbapi_connection, _record:
                         on_connect(dbapi_connection))
        if sqlite:
            event.listen(engine, "connect", _sqlite_pragmas)
        return engine


class EngineCache:
    """A bounded LRU of engines keyed by tenant slug and database URL.

    An engine pushed out of the LRU is disposed on a thread of its own, not
    in the request that made room: closing a SQLite file's last connection
    runs SQLite's checkpoint and removes the WAL, which was the largest part
    of a request to a tenant whose engine was not cached. :meth:`settle`
    waits until every evicted engine is closed.
    """

    def __init__(self, max_size: int, engine_kwargs: dict | None = None):
        self.max_size = max_size
        self.engine_kwargs = engine_kwargs or {}
        self.factory = TenantEngineFactory(self.engine_kwargs)
        self._engines: OrderedDict[str, tuple[str, Engine]] = OrderedDict()
        self._lock = threading.Lock()
        self._closer: ThreadPoolExecutor | None = None
        self._closer_pid = 0
        self._closing: list[Future] = []

    def get(self, key: str, url_source) -> Engine:
        """Return the engine for ``key``; ``url_source()`` gives its URL when one must be made."""
        with self._lock:
            entry = self._engines.get(key)
            if entry is not None:
                self._engines.move_to_end(key)
                return entry[1]
        url = url_source()
        fingerprint = hashlib.sha256(url.encode()).hexdigest()
        engine = self.factory(url)
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
        self._close_later(evicted)
        return engine

    def _close_later(self, engines: list[Engine]) -> None:
        if not engines:
            return
        with self._lock:
            if self._closer is None or self._closer_pid != os.getpid():
                # Made where it is used: a forked worker has none of its parent's threads.
                self._closer = ThreadPoolExecutor(max_workers=1,
                                                  thread_name_prefix="praxcloud-engine-close")
                self._closer_pid = os.getpid()
                self._closing = []
            self._closing = [f for f in self._closing if not f.done()]
            self._closing.extend(self._closer.submit(engine.dispose) for engine in engines)

    def settle(self) -> None:
        """Wait until the engines pushed out of the LRU are closed."""
        with self._lock:
            closing = list(self._closing) if self._closer_pid == os.getpid() else []
        for future in closing:
            future.result()

    def forget(self, key: str) -> None:
        with self._lock:
            entry = self._engines.pop(key, None)
        if entry is not None:
            entry[1].dispose()

    def __len__(self) -> int:
        return len(self._engines)

    def dispose_all(self) -> None:
        self.settle()
        with self._lock:
            entries = list(self._engines.values())
            self._engines.clear()
            closer, self._closer = self._closer, None
        if closer is not None and self._closer_pid == os.getpid():
            closer.shutdown(wait=True)  # its thread ends with the app, not at exit
        for _, engine in entries:
            engine.dispose()


def session_factory(engine: Engine, session_class: type[Session] = Session
                    ) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, class_=session_class, expire_on_commit=False)
