"""What the console page and the API show: the backups, the last failure, starting a run."""

from __future__ import annotations

from sqlalchemy import select

from praxcloud.plugin import AuditEvent

from . import service
from .errors import BackupError

OUTCOMES = ("backup.run", "backup.failed")


def last_failure(request) -> AuditEvent | None:
    """The newest ``backup.failed`` event, unless a successful run came after it."""
    newest = request.tenant_db.scalars(
        select(AuditEvent).where(AuditEvent.event.in_(OUTCOMES))
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    return newest if newest is not None and newest.event == "backup.failed" else None


def overview(request) -> dict:
    """The backups (newest first) and, when they cannot be listed, why."""
    try:
        return {"backups": service.list_backups(request), "error": None}
    except BackupError as exc:
        return {"backups": [], "error": exc.message}


def start(request) -> None:
    """Back the tenant up once this request has committed (on a worker in production)."""
    from .tasks import backup_tenant

    slug = request.tenant.slug
    request.audit.record("backup.requested")

    def send(committed: bool) -> None:
        if committed:
            backup_tenant.apply_async((slug,))

    request.tm.get().addAfterCommitHook(send)
