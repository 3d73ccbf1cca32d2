"""Forced periodic change (``expire_days``), when a contract asks for it.

At login (and when the tenant's settings change: the core re-asks open
sessions) a user whose local password is older than ``expire_days`` is held
by a required action: the console sends them to their account page to
choose a new one, and the API answers 403 ``password_expired`` everywhere
but the routes to change it. Setting the new password frees the session.
Users without a local password (a directory or identity provider signs
them in) are never held.
"""

from __future__ import annotations

import datetime as dt

from praxcloud.plugin import RequiredAction, utcnow

ACTION = "password_policy.expired"
EXPIRED: RequiredAction = {
    "name": ACTION,
    "route": "console.account",
    # Confirming the current password may be asked on the way, on either side.
    "routes": ["api.me", "api.me.password", "api.auth.reauth", "console.reauth",
               "password_policy.api"],
    "message": "Your password has expired: choose a new one.",
    "code": "password_expired",
}


def expires_at(user, expire_days: int) -> dt.datetime | None:
    """When ``user``'s password expires under the setting, or ``None`` (never, or no password)."""
    if not expire_days or not user.password_hash:
        return None
    # A password without a date predates the column: treat it as expired (fail closed).
    changed = user.password_changed_at or dt.datetime.min.replace(tzinfo=dt.UTC)
    return changed + dt.timedelta(days=expire_days)


def is_expired(user, expire_days: int) -> bool:
    ends = expires_at(user, expire_days)
    return ends is not None and ends <= utcnow()
