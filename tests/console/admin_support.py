"""Helpers for the tenant administrators' console tests.

Users are logged in by creating their console session directly (as the
login page does), so these tests depend only on the pages they test.
"""

from __future__ import annotations

import datetime as dt
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

from praxcloud.core.local_auth import find_user_by_email
from praxcloud.core.models import AuditEvent
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import CONSOLE_COOKIE, tenant_sessions


def console_login(testapp, registry, email: str, slug: str = "acme") -> str:
    """Give ``testapp`` a console session of ``email``; returns the session token."""
    with tenant_request(registry, slug) as request:
        user = find_user_by_email(request.tenant_db, email)
        assert user is not None, email
        token, _ = tenant_sessions(request).create(user, "console", "127.0.0.1", "WebTest")
    testapp.set_cookie(CONSOLE_COOKIE, token)
    return token


def audit_events(registry, event: str | None = None, slug: str = "acme") -> list[dict]:
    """The tenant's audit rows (oldest first) as plain dicts."""
    with tenant_request(registry, slug) as request:
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if event is not None:
            statement = statement.where(AuditEvent.event == event)
        return [
            {"event": row.event, "outcome": row.outcome, "actor": row.actor,
             "target": row.target, "details": dict(row.details or {}), "at": row.at}
            for row in request.tenant_db.scalars(statement)
        ]


def add_audit_event(registry, event: str, *, at: dt.datetime, outcome: str = "success",
                    actor: str | None = None, target: str | None = None,
                    details: dict | None = None, slug: str = "acme") -> None:
    with tenant_request(registry, slug) as request:
        request.tenant_db.add(AuditEvent(at=at, event=event, outcome=outcome, actor=actor,
                                         target=target, details=details or {}, ip="127.0.0.1"))


def field_error(page, field: str) -> str:
    """The message shown under a form field, or ''."""
    found = page.html.find(id=f"error-{field}")
    return found.get_text(" ", strip=True) if found else ""


def mails(settings) -> list[EmailMessage]:
    """The mails the folder mailer wrote, parsed."""
    folder = Path(settings["mail.top_level_directory"])
    if not folder.exists():
        return []
    return [message_from_string(path.read_text(), policy=policy.default)
            for path in sorted(folder.rglob("*")) if path.is_file()]


def mail_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()
