"""Model rows as the JSON the OpenAPI document promises."""

from __future__ import annotations


def iso(value) -> str | None:
    """A UTC time as ISO 8601 with a Z: aware (ORM rows), or naive UTC (read rows)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.isoformat() + "Z"
    return value.isoformat().replace("+00:00", "Z")


def record_json(record) -> dict:
    """A record (ORM object or read row, ``records.read_page``) as the API shows it.

    Called 50 times for a page: one formatting call per time, no chain of
    type conversions (read rows keep the stored naive UTC times).
    """
    born, created, updated, active = (record.date_of_birth, record.created_at,
                                      record.updated_at, record.last_activity_at)
    return {
        "id": record.id, "name": record.name, "email": record.email, "phone": record.phone,
        "date_of_birth": born.isoformat() if born else None,
        "notes": record.notes or "", "fields": record.fields or {},
        "created_at": iso(created), "updated_at": iso(updated),
        "last_activity_at": iso(active),
    }


def session_json(session, current) -> dict:
    return {
        "id": session.id, "kind": session.kind, "created_at": iso(session.created_at),
        "last_seen_at": iso(session.last_seen_at), "expires_at": iso(session.expires_at),
        "ip": session.ip, "user_agent": session.user_agent,
        "current": current is not None and session.id == current.id,
    }


def user_json(user) -> dict:
    return {
        "id": user.id, "email": user.email, "display_name": user.display_name or "",
        "groups": user.group_names, "is_active": user.is_active,
        "created_at": iso(user.created_at), "last_login_at": iso(user.last_login_at),
    }
