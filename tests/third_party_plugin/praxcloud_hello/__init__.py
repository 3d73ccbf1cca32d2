"""PraxCloud Hello: a per-tenant greeting, the smallest complete third-party plugin.

Registered in setup.cfg as ``hello = praxcloud_hello`` in the
``praxcloud.plugins`` entry-point group. It imports only the core's public
API (the hookimpl marker, view helpers, permissions) and nothing private.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from praxcloud.plugin import (
    MenuLink,
    OpenApiPart,
    PluginDescription,
    add_assets,
    hookimpl,
    json_response,
    operation,
)

NAME = "hello"
HERE = Path(__file__).parent

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "greeting": {"type": "string", "default": "Hello", "minLength": 1, "maxLength": 80,
                     "description": "What the tenant's users are greeted with"},
    },
    "additionalProperties": False,
}

# Audit events this process has seen, per tenant slug and event name.
# A module-level counter is acceptable only because this is a test fixture:
# the test that installs the plugin reads it in the same process. A real
# plugin keeps such state in its tenant tables or in Redis, because web and
# worker processes share no memory and a restart would lose it.
AUDIT_EVENTS_SEEN: dict[str, Counter] = {}


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    # No "version": the host takes it from the installed distribution's metadata.
    return {
        "name": NAME,
        "description": "Greets the tenant's users with the tenant's own greeting",
        "settings_schema": SETTINGS_SCHEMA,
        # Alembic revisions of the plugin's tenant table (branch "hello"),
        # applied to a tenant's database when the tenant enables the plugin.
        "tenant_migrations": str(HERE / "migrations"),
    }


@hookimpl
def praxcloud_includeme(config):
    # The core's path schemes: /api/v1/{tenant}/... for JSON, /{tenant}/... for the console.
    config.add_route("hello.api", "/api/v1/{tenant}/hello")
    config.add_route("hello.console", "/{tenant}/hello")
    # Served as /static/hello-hello.<hash>.css; templates use request.asset_url("hello-hello.css").
    add_assets(config, HERE / "static", prefix="hello-")
    # Relative to this package: the host gives each plugin a configurator of its own package.
    config.scan(".views")


@hookimpl
def praxcloud_openapi() -> OpenApiPart:
    # The JSON endpoint in the API's document, built like the core's own operations.
    return {
        "paths": {"/api/v1/{tenant}/hello": {"get": operation(
            "The tenant's greeting for the logged-in user (counts a visit)",
            {"200": json_response("HelloGreeting")}, op_id="helloGreeting")}},
        "schemas": {"HelloGreeting": {
            "type": "object", "required": ["greeting", "user"], "additionalProperties": False,
            "properties": {"greeting": {"type": "string"}, "user": {"type": "string"}}}},
    }


@hookimpl
def praxcloud_menu_links(request) -> list[MenuLink]:
    return [{"title": "Hello", "route": "hello.console"}]


@hookimpl
def praxcloud_audit_event(request, event):
    AUDIT_EVENTS_SEEN.setdefault(request.tenant.slug, Counter())[event.event] += 1
