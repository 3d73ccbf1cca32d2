"""The per-tenant audit trail of security events.

``request.audit.record(event, ...)`` writes a row in the tenant's database
and hands it to the ``praxcloud_audit_event`` hook (the ledger plugin
listens there). Events about something that failed are written with
``durable=True``: in their own transaction, so the request's rollback does
not erase the trace of a failed login. Passwords and tokens are never put
in ``details``: keys that look like secrets are refused.
"""

from __future__ import annotations

import logging

from .durable import durable_write
from .models import AuditEvent, utcnow

log = logging.getLogger(__name__)

SECRET_KEYS = ("password", "token", "secret", "code", "csrf")

# The events the core writes; plugins add their own names.
CORE_EVENTS = (
    "login", "logout", "mfa.verify", "password.change", "password.reset_request",
    "password.reset", "permission.denied", "session.revoke", "user.create", "user.update",
    "user.delete", "group.create", "group.update", "group.delete", "plugin.enable",
    "plugin.disable", "plugin.configure", "tenant.settings", "record.delete", "audit.export",
)


def _clean(details: dict | None) -> dict:
    clean = {}
    for key, value in (details or {}).items():
        if any(word in key.lower() for word in SECRET_KEYS) and key != "reason":
            raise ValueError(f"audit details may not carry secrets ({key!r})")
        clean[key] = value
    return clean


class AuditTrail:
    def __init__(self, request):
        self.request = request

    def _actor(self):
        identity = getattr(self.request, "praxcloud_identity", None)
        if identity is None or identity.is_operator:
            return None, (identity.user.email if identity else None)
        return identity.user.id, identity.user.email

    def record(self, event: str, *, outcome: str = "success", target: str | None = None,
               details: dict | None = None, durable: bool = False,
               actor_id: int | None = None, actor: str | None = None) -> AuditEvent:
        request = self.request
        if actor_id is None and actor is None:
            actor_id, actor = self._actor()
        row = AuditEvent(
            at=utcnow(), event=event, outcome=outcome, actor_id=actor_id, actor=actor,
            ip=request.client_addr, target=target, details=_clean(details),
        )
        if durable:
            # Now, or when the request's transaction has ended if it has written (.durable).
            durable_write(request, lambda session: session.add(row))
        else:
            request.tenant_db.add(row)
            request.tenant_db.flush()
        try:
            request.tenant_hooks.praxcloud_audit_event(request=request, event=row)
        except Exception:
            # A failing sink must be seen, and must not hide the event itself.
            log.exception("an audit_event hook failed for %s", event)
            if not durable:
                raise
        return row


def includeme(config) -> None:
    config.add_request_method(AuditTrail, "audit", reify=True)
