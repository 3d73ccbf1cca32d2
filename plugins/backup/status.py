"""Each tenant's backup status as last read from its repository: what the operators' page shows.

Listing a repository is a restic call (about half a second per tenant); the
operators' page shows every enabling tenant, so it reads this instead: one
row in the tenant's database (``backup_status``, the plugin's alembic branch
``backup``), written whenever the plugin reads the repository anyway (after
a run and its pruning, a verify, a restore) and when an operator asks the
page to refresh (which reads restic again, :func:`.service.refresh_status`).

The row names the repository it describes (the tenant's slug): a copy
restored from another tenant's backup (``restore --into``) brings the
source's row along, which is never shown as the copy's. A database whose
schema lacks the table (a restored older backup, before ``praxcloud db
upgrade``) has no status: nothing is written there, and the page says the
status is not known.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import inspect

from praxcloud.plugin import utcnow

from .models import BackupStatus

log = logging.getLogger(__name__)

ROW_ID = 1
VERIFIED = "verified"


def summary(backups: list[dict]) -> dict:
    """The figures of ``backups`` (described by ``service.describe``, newest first)."""
    verified = [item for item in backups if item["status"] == VERIFIED]
    newest = backups[0] if backups else None
    return {"count": len(backups), "verified_count": len(verified),
            "newest_at": newest["at"] if newest else None,
            "newest_size": newest["size"] if newest else None,
            "newest_verified": newest["status"] == VERIFIED if newest else None,
            "last_good_at": verified[0]["at"] if verified else None}


def record(request, backups: list[dict], checked_at: dt.datetime | None = None) -> bool:
    """Keep ``backups`` (newest first) as the request tenant's status; False where it cannot."""
    return _write(request, {**summary(backups), "error": None}, checked_at)


def record_problem(request, code: str, checked_at: dt.datetime | None = None) -> bool:
    """The repository could not be read (a BackupError's ``code``): the figures stay."""
    return _write(request, {"error": code}, checked_at)


def _write(request, values: dict, checked_at: dt.datetime | None) -> bool:
    db = request.tenant_db
    if not _has_table(request):
        return False
    row = db.get(BackupStatus, ROW_ID)
    slug = request.tenant.slug
    if row is None or row.repository != slug:
        # None yet, or the source's (a restored copy): start from nothing known.
        row = row or BackupStatus(id=ROW_ID)
        db.add(row)
        for name, value in summary([]).items():
            setattr(row, name, value)
    for name, value in {**values, "repository": slug,
                        "checked_at": checked_at or utcnow()}.items():
        setattr(row, name, value)
    db.flush()
    return True


def cached(request) -> dict | None:
    """The request tenant's status as last read (figures and ``checked_at``), or None."""
    if not _has_table(request):
        return None
    row = request.tenant_db.get(BackupStatus, ROW_ID)
    if row is None or row.repository != request.tenant.slug:
        return None
    return {"count": row.count, "verified_count": row.verified_count,
            "newest_at": row.newest_at, "newest_size": row.newest_size,
            "newest_verified": row.newest_verified, "last_good_at": row.last_good_at,
            "checked_at": row.checked_at, "error": row.error}


def _has_table(request) -> bool:
    # A catalog query, not a failing SELECT: on PostgreSQL that would end the transaction.
    present = inspect(request.tenant_db.connection()).has_table(BackupStatus.__tablename__)
    if not present:
        log.warning("tenant %s: no %s table (run `praxcloud db upgrade`): backup status "
                    "not kept", request.tenant.slug, BackupStatus.__tablename__)
    return present
