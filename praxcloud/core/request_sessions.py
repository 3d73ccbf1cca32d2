"""Database sessions that join the request's transaction, at the cost of none per request.

``zope.sqlalchemy.register(session, transaction_manager=request.tm)`` adds
seven event listeners to each session it is given, and SQLAlchemy builds a
dispatcher of its own for every session that has listeners of its own:
about a tenth of a request that reads one record, spent before it read
anything. :class:`RequestSession` carries the same listeners once, on the
class, and each session names its request's transaction manager in
``session.info``; a session without one (a CLI command's, a task's) is left
alone. The behaviour is zope.sqlalchemy's: the session joins the
transaction when it begins, is marked changed by a flush or an ORM
INSERT/UPDATE/DELETE (Core ones sent through the session too, which
zope.sqlalchemy leaves to ``mark_changed``), and is committed by pyramid_tm,
or only closed when it wrote nothing; writes are also noted for
:mod:`.durable`.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session
from transaction._transaction import Status as ZopeStatus
from zope.sqlalchemy.datamanager import STATUS_ACTIVE, join_transaction, mark_changed

from .durable import WROTE

# session.info key: the transaction manager of the request the session belongs to.
TRANSACTION_MANAGER = "praxcloud.transaction_manager"


class RequestSession(Session):
    """A session that joins the transaction named in its ``info`` (see :func:`join_request`)."""


def join_request(session: Session, request) -> Session:
    session.info[TRANSACTION_MANAGER] = request.tm
    return session


def _manager(session: Session):
    return session.info.get(TRANSACTION_MANAGER)


@event.listens_for(RequestSession, "after_begin")
def _began(session, _transaction, _connection) -> None:
    manager = _manager(session)
    if manager is not None:
        join_transaction(session, STATUS_ACTIVE, manager)


@event.listens_for(RequestSession, "after_attach")
def _attached(session, _instance) -> None:
    manager = _manager(session)
    if manager is not None:
        join_transaction(session, STATUS_ACTIVE, manager)


def _changed(session: Session) -> None:
    manager = _manager(session)
    if manager is not None:
        mark_changed(session, manager)


@event.listens_for(RequestSession, "after_flush")
def _flushed(session, _flush_context) -> None:
    session.info[WROTE] = True
    _changed(session)


@event.listens_for(RequestSession, "after_bulk_update")
def _bulk_updated(update_context) -> None:
    _changed(update_context.session)


@event.listens_for(RequestSession, "after_bulk_delete")
def _bulk_deleted(delete_context) -> None:
    _changed(delete_context.session)


@event.listens_for(RequestSession, "do_orm_execute")
def _executed(state) -> None:
    # Core statements too (zope.sqlalchemy marks only ORM ones, and would roll a
    # request's Core INSERT back at its end).
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True
        _changed(state.session)


@event.listens_for(RequestSession, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)


@event.listens_for(RequestSession, "before_commit")
def _committing(session) -> None:
    manager = _manager(session)
    if manager is None or session.in_nested_transaction():
        return
    # As zope.sqlalchemy: a request's session is committed by its transaction, not by hand.
    assert manager.get().status == ZopeStatus.COMMITTING, (
        "Transaction must be committed using the transaction manager")
