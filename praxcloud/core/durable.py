"""Writes that outlive the request's transaction: failure counters, failure audit events.

A request that fails is rolled back, yet some of what it did must stay: a
wrong second factor counted, a failed login in the audit trail. Such writes
go to the tenant database in a transaction of their own.

That transaction would wait on the request's own locks once the request has
written to the tenant database itself (a plugin that writes, then refuses):
on SQLite the database's write lock (the 30-second busy timeout, then
"database is locked"), on PostgreSQL the lock on a row the request changed
(for ever). So :func:`durable_write` writes at once while the request has
written nothing, and otherwise keeps the write until the request's
transaction has ended, committed or rolled back, and makes it then: on both
databases, whatever the request wrote.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable

from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# session.info key: this transaction of the session has sent a write (set by the
# request sessions' events, request_sessions.py).
WROTE = "praxcloud.durable.wrote"
# request attribute: the writes kept for the end of the request's transaction.
PENDING = "_praxcloud_durable_pending"

Write = Callable[[Session], None]


def request_has_written(request) -> bool:
    # request.tenant_db is reified: only look at a session the request has opened.
    session = request.__dict__.get("tenant_db")
    return session is not None and bool(session.info.get(WROTE))


def durable_write(request, write: Write) -> None:
    """Run ``write(session)`` in a tenant transaction of its own, committed whatever the
    request's own transaction does; now, or when that transaction has ended (see above)."""
    if request_has_written(request):
        pending = request.__dict__.get(PENDING)
        if pending is None:
            pending = request.__dict__[PENDING] = []
            transaction = request.tm.get()
            transaction.addAfterCommitHook(_after_commit, args=(request,))
            transaction.addAfterAbortHook(_write_pending, args=(request,))
        pending.append(write)
        return
    _write(request, write)


def _write(request, write: Write) -> None:
    with side_session(request) as session:
        write(session)
        session.commit()


def side_session(request) -> Session:
    """A tenant session like the request's (the field codecs apply: audit display
    values), on a connection from a pool of its own.

    The request holds a connection of the tenant's pool while it asks for this
    one: taken from the same pool, a burst of failing requests, each holding
    one and waiting for a second, would empty it and wait for ever (until the
    pool's timeout). These connections are held only for one short write.
    """
    session = request.registry.tenancy.tenant_session(request.tenant)
    session.bind = side_engine(session.bind)
    return session


_side_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_side_lock = threading.Lock()


def side_engine(engine: Engine) -> Engine:
    """``engine``'s database through a pool of its own, for short writes made while a
    request holds one of ``engine``'s connections (see :func:`side_session`)."""
    if isinstance(engine.pool, NullPool):
        return engine  # a connection of its own each time already (SQLite files)
    with _side_lock:
        side = _side_engines.get(engine)
        if side is None:
            # The same pool settings and connect events, the same dialect and compiled cache.
            side = Engine(engine.pool.recreate(), engine.dialect, engine.url,
                          execution_options=engine.get_execution_options())
            event.listen(engine, "engine_disposed", lambda _engine: side.dispose())
            _side_engines[engine] = side
        return side


def _after_commit(_status: bool, request) -> None:
    _write_pending(request)


def _write_pending(request) -> None:
    """Make the kept writes, each in its own transaction (a commit that failed is also
    aborted: the second call finds nothing left)."""
    pending = request.__dict__.pop(PENDING, None) or []
    for write in pending:
        try:
            _write(request, write)
        except Exception:
            # The request has already ended: nothing left to refuse, so it must be seen here.
            log.exception("a durable write kept for the end of the request failed")


def revoke_user_sessions(session: Session, user_id: int) -> int:
    """End every session and API token of user ``user_id`` in ``session``'s transaction
    (for a durable write: a user locked out by the request that is refused)."""
    from .models import AuthSession, utcnow

    result = session.execute(
        update(AuthSession).where(AuthSession.user_id == user_id,
                                  AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0
