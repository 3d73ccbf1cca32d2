"""The platform operators' page: the backup status of every tenant that enables the plugin.

Operators hold no tenant permission: the page is guarded by
``OPERATOR_PERMISSION`` and opens each tenant through ``operator_tenant_requests``
(only active tenants whose contract enables the plugin). For each it shows
what an operator needs to see that backups happen: the kind of target (never
its URL, which may name an account), how many backups are kept and how many
are verified, and the newest one's time, age, size and status; tenants whose
newest verified backup is older than a day, or that have none, are marked.

Nothing here decrypts a backup or offers to: the list comes from ``restic
snapshots`` (the repositories' snapshot metadata: times, tags, sizes), run on
the server with the tenant's derived password as every run is; no dump is
read, no key or content reaches the page, and there is no restore or download
action (restores stay with the CLI on the server). No personal data either:
no records, no users, only the tenant's slug and name.
"""

from __future__ import annotations

from pyramid.view import view_config

from praxcloud.plugin import OPERATOR_PERMISSION, operator_tenant_requests

from . import service
from .config import NAME, ini_settings, tenant_settings
from .errors import BackupError
from .overview import last_failure
from .targets import parse_target

TEMPLATE = "plugins.backup:templates/platform.jinja2"
# A tenant whose newest verified backup is older than this is marked: a daily run was missed.
STALE_HOURS = 24
KIND_TITLES = {"file": "directory", "sftp": "SFTP", "s3": "S3", "s3+http": "S3 (http)"}
# Why the backups cannot be listed, in words that name no host, path or account.
PROBLEMS = {
    "target_missing": "no target set", "target_invalid": "the target is not valid",
    "target_not_allowed": "the target is not allowed",
    "target_unreachable": "the target cannot be reached",
    "credentials_missing": "no S3 keys in the ini",
    "credentials_refused": "the store refused the S3 keys",
    "wrong_key": "the backup key does not open the repository",
    "no_repository": "no repository", "damaged": "the repository is damaged",
    "restic_missing": "restic is not installed",
}


def target_kind(url: str) -> str:
    """The kind of target only (``S3``, ``SFTP``, ``directory``): never its URL."""
    if not url:
        return "none"
    return KIND_TITLES.get(url.partition(":")[0], "unknown")


def status_of(tenant, now) -> dict:
    """One tenant's row, from its repository's snapshot list (plain values)."""
    settings = tenant_settings(tenant)
    row = {"slug": tenant.tenant.slug, "name": tenant.tenant.name,
           "kind": target_kind(settings["target"]), "keep_days": settings["keep_days"],
           "count": 0, "verified_count": 0, "newest": None, "error": None, "failed_at": None}
    try:
        parse_target(settings["target"], ini_settings(tenant))
        backups = service.list_backups(tenant)  # newest first
    except BackupError as exc:
        row["error"] = PROBLEMS.get(exc.code, f"restic failed ({exc.code})")
        backups = []
    failure = last_failure(tenant)
    if failure is not None:
        row["failed_at"] = failure.at
    verified = [item for item in backups if item["status"] == "verified"]
    row["count"], row["verified_count"] = len(backups), len(verified)
    if backups:
        newest = backups[0]
        row["newest"] = {"at": newest["at"], "size": newest["size"],
                         "verified": newest["status"] == "verified",
                         "age_hours": (now - newest["at"]).total_seconds() / 3600}
    last_good = verified[0]["at"] if verified else None
    row["stale"] = last_good is None or (now - last_good).total_seconds() > STALE_HOURS * 3600
    return row


@view_config(route_name="backup.platform", request_method="GET",
             permission=OPERATOR_PERMISSION, renderer=TEMPLATE)
def page(request):
    now = service.now()
    tenants = [status_of(tenant, now) for tenant in operator_tenant_requests(request, NAME)]
    return {"tenants": tenants, "stale_count": sum(row["stale"] for row in tenants),
            "stale_hours": STALE_HOURS, "section": "backup.platform"}
