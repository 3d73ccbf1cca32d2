"""Start-up hooks: what a plugin is and what it adds to the application.

Called once on every installed plugin, whatever tenants enable it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hook_types import OpenApiPart, PeriodicTask, PluginDescription
from .markers import hookspec

if TYPE_CHECKING:  # only for the annotations: hookspecs import nothing else of the core
    import click
    from pyramid.config import Configurator


@hookspec
def praxcloud_plugin_info() -> PluginDescription:
    """Describe the plugin.

    Return a dict with ``name`` (the entry-point name), ``description`` and
    ``settings_schema``: a JSON Schema (draft 2020-12) object whose properties
    carry their ``default``. Properties marked ``"writeOnly": true`` are
    secrets: never shown back in the console, the CLI or logs. A tenant's
    settings are validated against this schema whenever they change.

    Optional: ``tenant_migrations``, the directory of the plugin's alembic
    revisions for its tenant tables (a branch of its own that depends on
    the core's head), and ``version``, used only when the plugin is not an
    installed distribution (the distribution's version wins). A plugin whose
    info is wrong (name, schema, defaults) is marked broken at start-up.
    """


@hookspec
def praxcloud_openapi() -> OpenApiPart:
    """Describe the plugin's JSON endpoints for the API's OpenAPI document.

    Return ``{"paths": {template: {method: operation}}, "schemas": {name: schema}}``.
    Templates start with ``/api/v1/{tenant}/``; build operations with
    ``praxcloud.plugin.operation`` (it adds the tenant parameter,
    bearer security and the common error answers) and reference schemas,
    the plugin's or the core's (``Error``, ``Token``), with ``ref(name)``.
    Name schemas after the plugin (``TotpStatus``): a name, path or
    operationId that another part already uses marks the plugin broken.
    Called once at start-up on every installed plugin.
    """


@hookspec
def praxcloud_includeme(config: Configurator) -> None:
    """Add routes, views, templates, static assets and tweens to the Pyramid configurator.

    Called once for every installed plugin. Views added with the view option
    ``plugin="NAME"`` answer 404 for tenants that have not enabled plugin
    NAME, so a plugin need not check that itself. Views that change a
second factor or other security state add ``recent_auth=True``: the user
confirms the password first when the login is more than 10 minutes old.
    """


@hookspec
def praxcloud_periodic_tasks() -> dict[str, PeriodicTask]:
    """Return Celery beat entries: a dict ``{name: {"task", "schedule", ...}}``.

    Each task receives no tenant; it fans out to the tenants that enabled the
    plugin (see :func:`praxcloud.core.tasks.tenants_with_plugin`).
    """


@hookspec
def praxcloud_cli(group: click.Group) -> None:
    """Add click commands to the ``praxcloud`` command group."""
