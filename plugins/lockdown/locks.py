"""Judging a refused request, and locking the user out.

The core tells the tenant's plugins of every request a logged-in user was
refused for lack of a permission (``praxcloud_permission_denied``). A
*clear escalation* is a change (not a read) that needs an administrator's
permission (managing users and their groups, settings, others' sessions):
a user who sends one is trying to give themselves or take rights they do
not have, and ``escalation_threshold`` of them (default: the first) lock
the account. Other refusals (a page the user simply lacks, a read) count
towards the softer ``soft_threshold`` per ``soft_window_seconds``.

The refused request is rolled back, so the lock is written in a
transaction of its own (``write_durably``): the account disabled, every
session and API token ended, the lock recorded; then the audit event and a
mail to the tenant's user managers. Only an administrator unlocks.

Users who may manage users are never locked (they can reach every
administrator's route but the few they lack, and locking the last of them
would leave the tenant without anyone to unlock): their refusals stay in
the core's audit trail.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from praxcloud.plugin import (
    AUDIT_READ,
    SESSIONS_MANAGE,
    SETTINGS_MANAGE,
    USERS_MANAGE,
    Group,
    SharedStateError,
    User,
    revoke_user_sessions,
    send_mail,
    tenant_shared_state,
    utcnow,
    write_durably,
)

from .config import NAME, tenant_settings
from .models import Lock

log = logging.getLogger(__name__)

ADMINISTRATORS = frozenset({USERS_MANAGE, SETTINGS_MANAGE, SESSIONS_MANAGE, AUDIT_READ})
READS = frozenset({"GET", "HEAD", "OPTIONS"})
ESCALATION_MEMORY_SECONDS = 30 * 86400
ESCALATION = "escalation"
REPEATED = "repeated_denials"
WHY = {
    ESCALATION: "tried to do something only an administrator may do",
    REPEATED: "was refused access again and again",
    "foreign_tenant": "presented its session to another institution's address",
    "foreign_token": "sent a form with a token of another user's session",
}


def is_escalation(request, permission: str | None) -> bool:
    return permission in ADMINISTRATORS and request.method not in READS


def judge(request, user, permission: str | None) -> None:
    """A refused permission: clear escalation or not, by what it guards and the method."""
    count_towards_lock(request, user, is_escalation(request, permission),
                       {"permission": permission, "method": request.method,
                        "path": request.path_info[:200]})


def judge_attempt(request, user, kind: str, details: dict) -> None:
    """An attempt the core caught (another tenant's address, another user's token): always
    a clear escalation. ``request`` is of the user's own tenant; ``details`` say where."""
    count_towards_lock(request, user, True, {"permission": None, "attempt": kind,
                                             "method": details.get("method"),
                                             "path": str(details.get("path", ""))[:200],
                                             "at_tenant": details.get("tenant")})


def count_towards_lock(request, user, clear: bool, details: dict) -> None:
    if USERS_MANAGE in user.permissions or not user.is_active:
        return
    settings = tenant_settings(request)
    threshold = settings["escalation_threshold"] if clear else settings["soft_threshold"]
    try:
        count = tenant_shared_state(request, NAME).incr(
            f"{'clear' if clear else 'soft'}:{user.id}",
            ESCALATION_MEMORY_SECONDS if clear else settings["soft_window_seconds"])
    except SharedStateError:
        if not clear:
            log.error("lockdown: a refusal of user %s in tenant %s could not be counted",
                      user.id, request.tenant.slug, exc_info=True)
            return
        # A clear escalation that cannot be counted is treated as over the threshold.
        log.error("lockdown: the shared state cannot answer; the escalation attempt locks "
                  "user %s of tenant %s (fail closed)", user.id, request.tenant.slug)
        count = threshold
    if count >= threshold:
        lock(request, user, ESCALATION if clear else REPEATED, {**details, "refusals": count})


def lock(request, user, reason: str, details: dict) -> None:
    user_id, email = user.id, user.email

    def write(session) -> None:
        session.execute(update(User).where(User.id == user_id).values(is_active=False)
                        .execution_options(synchronize_session=False))
        ended = revoke_user_sessions(session, user_id)
        session.add(Lock(user_id=user_id, reason=reason, details={**details,
                                                                  "sessions_ended": ended}))

    write_durably(request, write)
    request.audit.record(f"{NAME}.locked", outcome="failure", target=email,
                         actor_id=user_id, actor=email, durable=True,
                         details={"reason": reason, **details})
    _tell_managers(request, email, reason, details)


def _tell_managers(request, email: str, reason: str, details: dict) -> None:
    managing = [group.id for group in request.tenant_db.scalars(select(Group))
                if USERS_MANAGE in (group.permissions or ())]
    managers = [manager for manager in request.tenant_db.scalars(select(User).where(
        User.is_active.is_(True))) if any(group.id in managing for group in manager.groups)]
    why = WHY.get(details.get("attempt") or reason, WHY[REPEATED])
    link = request.route_url("lockdown.manage", tenant=request.tenant.slug)
    what = (f"at the address of {details.get('at_tenant')}" if details.get("attempt")
            else f"needing {details.get('permission') or 'a permission it lacks'}")
    for manager in managers:
        send_mail(request, manager.email, f"{request.tenant.name}: {email} has been locked out",
                  f"The account {email} {why} ({details.get('method')} {details.get('path')}, "
                  f"{what}), so it has "
                  "been locked: it is disabled and all its sessions have ended.\n\n"
                  f"Review it and unlock it if it was a mistake:\n{link}\n", durable=True)


def open_locks(request) -> list[tuple[Lock, User]]:
    rows = request.tenant_db.execute(
        select(Lock, User).join(User, User.id == Lock.user_id)
        .where(Lock.unlocked_at.is_(None)).order_by(Lock.locked_at.desc())).all()
    return [(lock_row, user) for lock_row, user in rows]


def unlock(request, lock_id: int, by: str) -> User | None:
    """An administrator frees the user: active again, the lock closed; None: no open lock."""
    found = request.tenant_db.execute(select(Lock, User).join(User, User.id == Lock.user_id)
                                      .where(Lock.id == lock_id,
                                             Lock.unlocked_at.is_(None))).first()
    if found is None:
        return None
    lock_row, user = found
    lock_row.unlocked_at, lock_row.unlocked_by = utcnow(), by
    user.is_active = True
    try:
        tenant_shared_state(request, NAME).delete(f"clear:{user.id}")
        tenant_shared_state(request, NAME).delete(f"soft:{user.id}")
    except SharedStateError:
        log.error("lockdown: the counters of user %s could not be reset", user.id,
                  exc_info=True)
    request.audit.record(f"{NAME}.unlocked", target=user.email,
                         details={"lock_id": lock_id, "reason": lock_row.reason})
    return user
