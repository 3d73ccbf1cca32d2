"""The password history: the hashes of a user's last passwords, to refuse their reuse.

Recorded in ``praxcloud_password_changed`` (the core has just stored the new
hash) while the tenant's ``history_count`` is above 0, trimmed to the newest
``history_count``; nothing is kept while it is 0. A candidate is checked
against the current hash and the kept ones with the platform's own password
check (``password_matches``), one Argon2id verification each: that is why
the setting is capped (``config.MAX_HISTORY``).
"""

from __future__ import annotations

from sqlalchemy import delete, select

from praxcloud.plugin import password_matches

from .models import PasswordHistory


def remember(request, user, keep: int) -> None:
    """Add ``user``'s new hash; forget all but the newest ``keep``."""
    db = request.tenant_db
    db.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash))
    db.flush()
    newest = select(PasswordHistory.id).where(PasswordHistory.user_id == user.id) \
        .order_by(PasswordHistory.id.desc()).limit(keep)
    db.execute(delete(PasswordHistory).where(PasswordHistory.user_id == user.id,
                                             PasswordHistory.id.not_in(newest.scalar_subquery()))
               .execution_options(synchronize_session=False))


def reuses(request, user, password: str, count: int) -> bool:
    """Is ``password`` the user's current one or one of the ``count - 1`` before it?"""
    if user is None or user.id is None:
        return False  # a user being created has no history
    hashes = request.tenant_db.scalars(
        select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc()).limit(count)).all()
    candidates = list(dict.fromkeys(([user.password_hash] if user.password_hash else [])
                                    + list(hashes)))[:count]
    return any(password_matches(request, password, stored) for stored in candidates)
