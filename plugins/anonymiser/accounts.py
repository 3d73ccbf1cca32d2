"""User accounts unused for ``user_inactive_days`` anonymised by the policy (0: never).

An account without a login (or, never used, without one since it was
created) for that long loses its e-mail address (``anonymised-ID@invalid``:
the column is unique), its display name and its password, is deactivated,
its sessions end, and the audit trail loses what names it (as an erasure
blanks it). Accounts whose groups may manage users or settings are kept: a
tenant must not lose its administrators to the policy. Batches of primary
keys, each in one transaction with ``users.anonymised_at``; written through
the ORM, so a field codec on the e-mail or name encodes the new values and
the blind index follows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, column, delete, exists, func, select, table

from praxcloud.plugin import SETTINGS_MANAGE, USERS_MANAGE, Group, User, utcnow

from .erasure import scrub_trail

_USER_GROUPS = table("user_groups", column("user_id"), column("group_id"))
_SESSIONS = table("auth_sessions", column("user_id"))
ADMIN_PERMISSIONS = (USERS_MANAGE, SETTINGS_MANAGE)


def enabled(settings: dict) -> bool:
    return settings["user_inactive_days"] > 0


def eligible(db, settings: dict, now: dt.datetime):
    cutoff = now - dt.timedelta(days=settings["user_inactive_days"])
    admin_groups = [group_id for group_id, permissions in
                    db.execute(select(Group.id, Group.permissions))
                    if set(permissions or ()) & set(ADMIN_PERMISSIONS)]
    condition = and_(User.anonymised_at.is_(None),
                     func.coalesce(User.last_login_at, User.created_at) < cutoff)
    if admin_groups:
        condition = and_(condition, ~exists().where(
            _USER_GROUPS.c.user_id == User.id, _USER_GROUPS.c.group_id.in_(admin_groups)))
    return condition


def count(db, settings: dict, now: dt.datetime) -> int:
    if not enabled(settings):
        return 0
    return db.scalar(select(func.count()).select_from(User).where(eligible(db, settings, now)))


def anonymise_batch(db, settings: dict, now: dt.datetime, after_id: int,
                    batch_size: int) -> tuple[int, int]:
    """Anonymise up to ``batch_size`` eligible accounts after ``after_id``, in the caller's
    transaction; return (how many, the last id)."""
    users = db.scalars(select(User).where(eligible(db, settings, now), User.id > after_id)
                       .order_by(User.id).limit(batch_size).with_for_update(of=User)).all()
    for user in users:
        email = user.email
        scrub_trail(db, email.strip().lower(), user.id, [], {user.display_name} - {""})
        user.email = f"anonymised-{user.id}@invalid"
        user.display_name = ""
        user.password_hash = None
        user.is_active = False
        user.anonymised_at = utcnow()
        db.flush()
        db.execute(delete(_SESSIONS).where(_SESSIONS.c.user_id == user.id),
                   execution_options={"synchronize_session": False})
    return len(users), (users[-1].id if users else after_id)

