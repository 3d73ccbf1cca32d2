"""The permissions the core knows, and the groups every new tenant starts with."""

from __future__ import annotations

RECORDS_READ = "records.read"
RECORDS_WRITE = "records.write"
USERS_MANAGE = "users.manage"
AUDIT_READ = "audit.read"
SETTINGS_MANAGE = "settings.manage"
SESSIONS_MANAGE = "sessions.manage"
# Erase one person everywhere (right to be forgotten; the anonymiser plugin).
RECORDS_ERASE = "records.erase"
# Every logged-in user may see and manage their own account and sessions.
AUTHENTICATED = "authenticated"

ALL_PERMISSIONS = frozenset({
    RECORDS_READ, RECORDS_WRITE, USERS_MANAGE, AUDIT_READ, SETTINGS_MANAGE, SESSIONS_MANAGE,
    RECORDS_ERASE,
})

DEFAULT_GROUPS: dict[str, tuple[str, frozenset[str]]] = {
    "admin": ("Tenant administrators: everything", ALL_PERMISSIONS),
    "staff": ("Staff: read and change records", frozenset({RECORDS_READ, RECORDS_WRITE})),
    "read-only": ("Read records only", frozenset({RECORDS_READ})),
}
