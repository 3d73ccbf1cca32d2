"""Locks that make a check and the write it guards one step, within a tenant's database.

A guard such as "some group must keep users.manage" reads, decides, then
writes; two requests doing that at once both read the state before either
wrote, both pass, and together they break the rule. Taking the tenant's
lock before the read makes the second request wait for the first one's
commit and then read what it wrote. The lock is held until the request's
transaction ends.

PostgreSQL: a transaction-level advisory lock (advisory locks are per
database, and each tenant has its own). SQLite: an UPDATE that matches no
row still takes the database's write lock, which only one transaction holds.
"""

from __future__ import annotations

from sqlalchemy import false, func, select, update

from .models import Group

# Advisory-lock keys (one tenant database each): any 64-bit number, one per guard.
USER_MANAGEMENT = 0x7072_6178_756D  # "praxum": the users.manage guard
USER_EMAILS = 0x7072_6178_7565  # "praxue": one user per e-mail address


def hold(tenant_db, key: int) -> None:
    """Wait for, then hold until the transaction ends, the tenant's lock ``key``."""
    if tenant_db.get_bind().dialect.name == "postgresql":
        tenant_db.execute(select(func.pg_advisory_xact_lock(key)))
        return
    groups = Group.__table__
    tenant_db.execute(update(groups).where(false()).values(id=groups.c.id))
