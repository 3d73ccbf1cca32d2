"""Model rows as the JSON the OpenAPI document promises."""

from __future__ import annotations


def iso(value) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def record_json(record) -> dict:
    return {
        "id": record.id, "name": record.name, "email": record.email, "phone": record.phone,
        "date_of_birth": record.date_of_birth.isoformat() if record.date_of_birth else None,
        "notes": record.notes or "", "fields": record.fields or {},
        "created_at": iso(record.created_at), "updated_at": iso(record.updated_at),
        "last_activity_at": iso(record.last_activity_at),
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
