"""The daily backup: a periodic platform task fanning out one tenant task per enabling tenant.

Each tenant task backs its tenant up, verifies the backup and prunes the old
ones (:func:`.service.run_backup`). A failure is audited durably in the tenant's
trail (``backup.failed``) and logged as an error; it does not stop the other
tenants' backups.
"""

from __future__ import annotations

import datetime as dt
import logging

from praxcloud.plugin import platform_task, tenant_task, tenants_with_plugin

from . import service
from .config import NAME
from .errors import BackupError

log = logging.getLogger(__name__)

SCHEDULE = dt.timedelta(days=1)


@tenant_task(name="plugins.backup.tasks.backup_tenant")
def backup_tenant(request) -> dict:
    try:
        made = service.run_backup(request)
    except BackupError as exc:
        log.error("backup: tenant %s not backed up: %s", request.tenant.slug, exc.message)
        return {"ok": False, "code": exc.code, "message": exc.message}
    log.info("backup: tenant %s backed up (%s, %s bytes)", request.tenant.slug,
             made["short_id"], made["size"])
    return {"ok": True, "snapshot": made["id"], "size": made["size"], "pruned": made["pruned"]}


@platform_task(name="plugins.backup.tasks.backup_all")
def backup_all(self) -> int:
    """Daily: one :func:`backup_tenant` per tenant that enables the plugin."""
    return self.fan_out(backup_tenant, tenants_with_plugin(self.registry, NAME))


PERIODIC_TASKS = {"daily": {"task": "plugins.backup.tasks.backup_all", "schedule": SCHEDULE}}
