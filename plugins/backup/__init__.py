"""backup: daily, encrypted, verified backups of each tenant's database (requirement P10).

Registered in setup.cfg as ``backup = plugins.backup``. restic does the
storage work (streaming, deduplication, compression, AES-256 + Poly1305
authenticated encryption, retention): one repository per tenant under the
tenant's ``target`` (a directory or an SFTP server, :mod:`.targets`), its
password derived from the tenant's key, so deleting the tenant makes its
backups unreadable. :mod:`.databases` streams ``pg_dump`` (or an SQLite online
backup) in and ``pg_restore`` (or the backup API) out; :mod:`.service` runs,
verifies, prunes and restores; :mod:`.tasks` is the daily Celery beat entry;
:mod:`.cli` the ``praxcloud backup`` commands; :mod:`.platform_views` the operators'
page of every tenant's backup status. README.md has the rest.
"""

from __future__ import annotations

from pathlib import Path

from praxcloud.plugin import (
    SETTINGS_MANAGE,
    MenuLink,
    OpenApiPart,
    PeriodicTask,
    PluginDescription,
    hookimpl,
)

from . import cli, tasks
from .config import NAME, SETTINGS_SCHEMA, check_ini
from .openapi import openapi_part
from .routes import add_routes

HERE = Path(__file__).parent


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    return {
        "name": NAME,
        "description": "Daily encrypted backups of the tenant's database to another server, "
                       "verified after writing, kept 30 days, restorable with one command",
        "settings_schema": SETTINGS_SCHEMA,
        # backup_status: what the operators' page shows without calling restic.
        "tenant_migrations": str(HERE / "migrations"),
    }


@hookimpl
def praxcloud_includeme(config):
    check_ini(config)
    add_routes(config)
    config.scan(".console_views")
    config.scan(".api_views")
    config.scan(".platform_views")


@hookimpl
def praxcloud_openapi() -> OpenApiPart:
    return openapi_part()


@hookimpl
def praxcloud_menu_links(request) -> list[MenuLink]:
    return [{"title": "Backups", "route": "backup.admin", "permission": SETTINGS_MANAGE}]


@hookimpl
def praxcloud_platform_menu_links(request) -> list[MenuLink]:
    return [{"title": "Backups", "route": "backup.platform"}]


@hookimpl
def praxcloud_periodic_tasks() -> dict[str, PeriodicTask]:
    return tasks.PERIODIC_TASKS


@hookimpl
def praxcloud_cli(group):
    cli.add_commands(group)
