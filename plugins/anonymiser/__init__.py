"""anonymiser: a per-tenant retention policy and the right to be forgotten (requirement P9).

Registered in setup.cfg as ``anonymiser = plugins.anonymiser``; off until a
tenant's contract enables it. Records without activity for the tenant's
``retention_days`` are anonymised field by field by a daily task
(:mod:`.policy`, :mod:`.tasks`), once a dry run of the current policy has
been seen; one person is erased everywhere on demand (:mod:`.erasure`,
which asks every enabled plugin to erase its own rows through
``praxcloud_erase_person``). The CLI commands ``praxcloud anonymise`` and
``praxcloud erase`` are in :mod:`.cli`. README.md has the rest.
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

from . import tasks
from .cli import add_commands
from .config import NAME, SETTINGS_SCHEMA
from .openapi import openapi_part
from .routes import add_routes

HERE = Path(__file__).parent


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    return {
        "name": NAME,
        "description": "Anonymises records without activity for a set number of days (after a "
                       "dry run) and erases one person everywhere on demand",
        "settings_schema": SETTINGS_SCHEMA,
        "tenant_migrations": str(HERE / "migrations"),
    }


@hookimpl
def praxcloud_includeme(config):
    add_routes(config)
    config.scan(".console_views")
    config.scan(".api_views")


@hookimpl
def praxcloud_openapi() -> OpenApiPart:
    return openapi_part()


@hookimpl
def praxcloud_menu_links(request) -> list[MenuLink]:
    return [{"title": "Anonymisation", "route": "anonymiser.policy",
             "permission": SETTINGS_MANAGE}]


@hookimpl
def praxcloud_periodic_tasks() -> dict[str, PeriodicTask]:
    return tasks.PERIODIC_TASKS


@hookimpl
def praxcloud_cli(group):
    add_commands(group)
