"""The platform operators' page: the backup status of every tenant that enables the plugin.

Operators hold no tenant permission: the page is guarded by
``OPERATOR_PERMISSION`` and opens each tenant through ``operator_tenant_requests``
(only active tenants whose contract enables the plugin). For each it shows
what an operator needs to see that backups happen: the kind of target (never
its URL, which may name an account), how many backups are kept and how many
are verified, and the newest one's time, age, size and status; tenants whose
newest verified backup is older than a day, or that have none, are marked.

The figures are each tenant's backup status as the plugin last read it from
the repository (:mod:`.status`: after every run, prune, verify and restore),
so loading the page runs no restic at all (listing one repository takes about
half a second). **Refresh** (``POST /platform/backup/refresh``, one tenant or
all) reads the repositories again with ``restic snapshots`` and keeps what it
read; a repository that cannot be read is shown with the reason.

Nothing here decrypts a backup or offers to: the list comes from ``restic
snapshots`` (the repositories' snapshot metadata: times, tags, sizes), run on
the server with the tenant's derived password as every run is; no dump is
read, no key or content reaches the page, and there is no restore or download
action (restores stay with the CLI on the server). No personal data either:
no records, no users, only the tenant's slug and name.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from praxcloud.plugin import (
    OPERATOR_PERMISSION,
    form_text,
    operator_tenant_request,
    operator_tenant_requests,
)

from . import service, status
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


def problem(code: str) -> str:
    """Why a repository cannot be read, from a BackupError's code."""
    return PROBLEMS.get(code, f"restic failed ({code})")


def status_of(tenant, now) -> dict:
    """One tenant's row, from its kept backup status (plain values; no restic call)."""
    settings = tenant_settings(tenant)
    row = {"slug": tenant.tenant.slug, "name": tenant.tenant.name,
           "kind": target_kind(settings["target"]), "keep_days": settings["keep_days"],
           "count": 0, "verified_count": 0, "newest": None, "error": None, "failed_at": None,
           "checked_at": None}
    try:
        parse_target(settings["target"], ini_settings(tenant))
    except BackupError as exc:
        row["error"] = problem(exc.code)
    failure = last_failure(tenant)
    if failure is not None:
        row["failed_at"] = failure.at
    known = status.cached(tenant)
    last_good = None
    if known is not None:
        row["checked_at"] = known["checked_at"]
        if known["error"] and not row["error"]:
            row["error"] = problem(known["error"])
        row["count"], row["verified_count"] = known["count"], known["verified_count"]
        if known["newest_at"] is not None:
            row["newest"] = {"at": known["newest_at"], "size": known["newest_size"],
                             "verified": bool(known["newest_verified"]),
                             "age_hours": (now - known["newest_at"]).total_seconds() / 3600}
        last_good = known["last_good_at"]
    row["stale"] = last_good is None or (now - last_good).total_seconds() > STALE_HOURS * 3600
    return row


@view_config(route_name="backup.platform", request_method="GET",
             permission=OPERATOR_PERMISSION, renderer=TEMPLATE)
def page(request):
    now = service.now()
    tenants = [status_of(tenant, now) for tenant in operator_tenant_requests(request, NAME)]
    return {"tenants": tenants, "stale_count": sum(row["stale"] for row in tenants),
            "stale_hours": STALE_HOURS, "section": "backup.platform"}


@view_config(route_name="backup.platform_refresh", request_method="POST",
             permission=OPERATOR_PERMISSION)
def refresh(request):
    """Read the repositories again (``tenant``: only that one's) and keep what they hold."""
    only = form_text(request.POST, "tenant")[:40]
    if only:
        with operator_tenant_request(request, only, NAME) as tenant:
            _refresh(tenant)
        request.flash(f"The backups of {only} were listed again.", "success")
    else:
        for tenant in operator_tenant_requests(request, NAME):
            _refresh(tenant)
        request.flash("The backups of every tenant were listed again.", "success")
    return HTTPSeeOther(request.route_url("backup.platform"))


def _refresh(tenant) -> None:
    try:
        service.refresh_status(tenant)
    except BackupError as exc:
        status.record_problem(tenant, exc.code, service.now())
