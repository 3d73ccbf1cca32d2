"""Security changes reach open sessions: a per-tenant epoch, compared at each request.

A session's required actions (MFA enrolment, an expired password, a
plugin's own) are decided at login by the ``praxcloud_authenticated`` hook.
When an administrator changes the tenant's security settings, an operator
changes the contract, or a plugin says so (:func:`reevaluate_sessions`),
the tenant's ``security_epoch`` goes up by one. At its next request a
session evaluated at an older epoch asks the hook again and is confined to
whatever it answers now, like a fresh login would be.

It stays cheap: the epoch is a column of the tenant row every tenant
request loads anyway, and the session carries its own in ``data``; only a
session that is behind costs the hook calls and one write, once.

Re-evaluation only adds required actions: one pending from the login stays
pending until the user does it (fail closed), even when the setting that
asked for it has been relaxed in the meantime. Session lifetimes need no
epoch: :meth:`authsessions.SessionStore.is_live` measures every session
against the tenant's current lifetimes.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from .auth import required_actions
from .models import Tenant

log = logging.getLogger(__name__)

EPOCH_KEY = "security_epoch"


def tenant_epoch(tenant) -> int:
    return int(getattr(tenant, "security_epoch", 0) or 0)


def session_epoch(session) -> int:
    return session_epoch_of(session.data)


def session_epoch_of(data: dict | None) -> int:
    """The epoch a session's ``data`` was evaluated at."""
    return int((data or {}).get(EPOCH_KEY, 0))


def stamp(session, tenant) -> None:
    """Mark ``session`` as evaluated under the tenant's current security settings."""
    session.data = {**(session.data or {}), EPOCH_KEY: tenant_epoch(tenant)}


def bump(platform_db, tenant_id: int) -> None:
    """Raise a tenant's epoch by one, in ``platform_db``'s transaction (an atomic increment)."""
    platform_db.execute(
        update(Tenant).where(Tenant.id == tenant_id)
        .values(security_epoch=Tenant.security_epoch + 1)
        .execution_options(synchronize_session=False))


def reevaluate_sessions(request) -> None:
    """Have every open session of the request's tenant re-evaluated at its next request.

    For plugins (and the core) when something changed that may add a
    required action to sessions opened before it: a plugin setting that now
    demands something of users, a policy switched on. Takes effect when the
    request commits; each session then runs ``praxcloud_authenticated`` again.
    """
    bump(request.dbsession, request.tenant.id)


def reevaluate_tenant_sessions(registry, slug: str) -> None:
    """:func:`reevaluate_sessions` outside a tenant request (a CLI command, a task);
    commits now. An unknown slug raises LookupError."""
    with registry.tenancy.platform_session() as platform_db:
        tenant = registry.tenancy.find(platform_db, slug)
        if tenant is None:
            raise LookupError(f"no tenant {slug!r}")
        bump(platform_db, tenant.id)


def bring_up_to_date(request, session, user) -> None:
    """Re-evaluate ``session`` if the tenant's security changed since it was last evaluated.

    The outcome is written in a transaction of its own: the request that
    finds the session confined is usually refused, and a refusal rolls the
    request's transaction back; the session must stay confined all the same,
    and be evaluated once, not at every refused request.
    """
    current = tenant_epoch(request.tenant)
    if session_epoch(session) >= current:
        return
    pending = list((session.data or {}).get("required_actions") or [])
    names = {action.get("name") for action in pending}
    # No autoflush: the session's pending last-seen touch stays unwritten, so
    # the write below does not wait behind this request's own (SQLite).
    with request.tenant_db.no_autoflush:
        added = [action for action in required_actions(request, user)
                 if action.get("name") not in names]
    data = {**(session.data or {}), EPOCH_KEY: current}
    if pending or added:
        data["required_actions"] = pending + added
    request.durable_tenant_update(type(session), session.id, data=data)
    # And for this request, as the stored value: marking the row changed would
    # write it again in the request's transaction, and on SQLite that write
    # would hold the lock a durable write (a failure's audit) then waits for.
    set_committed_value(session, "data", data)
    if added:
        log.info("session %s of user %s confined after a security change: %s", session.id,
                 user.id, ", ".join(str(a.get("name")) for a in added))
