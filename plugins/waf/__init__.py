"""waf: requests that look like attacks are refused before they reach a view (requirement P7).

Registered in setup.cfg as ``waf = plugins.waf``. Every request to the
tenant is checked (``praxcloud_check_request``, :mod:`.gate`): its path,
query, headers, form fields and JSON strings are matched against rules for
SQL injection, XSS, path traversal and command injection (:mod:`.rules`,
measured in docs/plans/waf-research.md); a request that scores enough is
refused with an incident id, and an address that keeps trying is
blacklisted for a day across every web process. The platform operators
see every enabling tenant's incidents and blacklist on a page of their own
(:mod:`.platform_views`); incidents are deleted after the tenant's
``incident_retention_days`` (:mod:`.tasks`). README.md has the rest.
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

from . import gate, tasks
from .config import NAME, SETTINGS_SCHEMA
from .openapi import openapi_part
from .routes import add_routes

HERE = Path(__file__).parent


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    return {
        "name": NAME,
        "description": "Refuses requests that look like SQL injection, XSS, path traversal or "
                       "command injection, with an incident id; blacklists repeat offenders",
        "settings_schema": SETTINGS_SCHEMA,
        "tenant_migrations": str(HERE / "migrations"),
    }


@hookimpl
def praxcloud_includeme(config):
    add_routes(config)
    config.scan(".console_views")
    config.scan(".api_views")
    config.scan(".platform_views")


@hookimpl
def praxcloud_openapi() -> OpenApiPart:
    return openapi_part()


@hookimpl
def praxcloud_check_request(request):
    return gate.check(request)


@hookimpl
def praxcloud_menu_links(request) -> list[MenuLink]:
    return [{"title": "Blocked requests", "route": "waf.admin", "permission": SETTINGS_MANAGE}]


@hookimpl
def praxcloud_platform_menu_links(request) -> list[MenuLink]:
    return [{"title": "Blocked requests", "route": "waf.platform"}]


@hookimpl
def praxcloud_periodic_tasks() -> dict[str, PeriodicTask]:
    return tasks.PERIODIC_TASKS
