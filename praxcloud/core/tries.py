"""Counting a try before it is checked: failure limits that hold under concurrency.

A limit read first and counted after ("fewer than five failures? check the
answer, then add one") lets answers sent at the same moment all pass the
read, so twenty wrong passwords sent at once were all checked. Instead one
conditional UPDATE takes the try (``... SET n = n + 1 WHERE n < limit
RETURNING n``) before the answer is checked: whoever changes the row first
counts first, and once the limit is reached no row matches, so no answer is
checked. On PostgreSQL the row lock orders the tries, on SQLite the
database's write lock.

The try is taken in a tenant transaction of its own, committed at once, so
that the other requests see it and the request's rollback (a wrong answer
raises) keeps it. That transaction would wait on the request's own locks if
the request had written already (see :mod:`.durable`); then the try is taken
in the request's transaction instead, which still orders the tries on the
row, and the caller counts a wrong answer again with a durable write, as
before.
"""

from __future__ import annotations

from dataclasses import dataclass

from .durable import request_has_written, side_session


@dataclass(frozen=True)
class Try:
    count: int | None  # the count with this try, or None: the limit is reached, do not check
    kept: bool         # committed already; False: the caller counts a wrong answer durably


def take_try(request, statement) -> Try:
    """Run ``statement`` (a conditional UPDATE ... RETURNING the new count) before checking."""
    statement = statement.execution_options(synchronize_session=False)
    if request_has_written(request):
        return Try(request.tenant_db.execute(statement).scalar(), kept=False)
    with side_session(request) as session:
        count = session.execute(statement).scalar()
        session.commit()
    return Try(count, kept=True)
