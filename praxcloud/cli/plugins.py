"""``praxcloud plugins ...``: what is installed, and each tenant's contract.

Enabling, disabling and configuring go through :mod:`praxcloud.core.contracts`,
the same service as the platform console: settings are validated against the
plugin's schema, the plugin's migrations applied, and the change audited.
"""

from __future__ import annotations

from contextlib import nullcontext

import click

from ..core import contracts, field_moves
from ..core.key_rotation import BATCH_SIZE
from ..core.models import Tenant
from ..core.plugins import PluginHost
from ..core.provisioning import all_tenants
from .keys import progress_bar
from .state import current_registry
from .support import cli_actor, echo_json, find_tenant, quiet_alembic

MASK = "********"
BATCH_OPTION = click.option(
    "--batch-size", type=click.IntRange(1, 100_000), default=BATCH_SIZE, show_default=True,
    help="Rows moved per committed transaction (a plugin that encrypts fields).")


@click.group("plugins")
def plugins_group() -> None:
    """List installed plugins; enable, disable and configure them per tenant."""


def _enabled_by(tenants: list[Tenant]) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for tenant in tenants:
        for name in tenant.enabled_plugins:
            users.setdefault(name, []).append(tenant.slug)
    return {name: sorted(slugs) for name, slugs in users.items()}


def rerun_command(slug: str, plugin: str, action: str) -> str:
    """The command that finishes an interrupted move of ``plugin``'s stored values.

    An enable or a disable goes on when run again; a settings change is not
    run again (it would be a new change) but finished with the keys command,
    which finishes every recorded move of the tenant.
    """
    if action in (field_moves.ENABLE, field_moves.DISABLE):
        return f"praxcloud plugins {action} {slug} {plugin}"
    return f"praxcloud keys rotate --tenant {slug} --finish"


def _pending_moves(tenants: list[Tenant]) -> list[dict]:
    """Every tenant's unfinished field moves: values partly stored the old way, partly the new."""
    return [
        {"tenant": tenant.slug, "plugin": plugin, "action": move["action"],
         "rerun": rerun_command(tenant.slug, plugin, move["action"])}
        for tenant in tenants
        for plugin, move in sorted(field_moves.moves_of(tenant).items())
    ]


def _tenant_contract(host: PluginHost, tenant: Tenant) -> dict:
    lines = []
    for row in sorted(tenant.plugins, key=lambda p: p.plugin):
        info = host.infos.get(row.plugin)
        settings = dict(row.settings or {})
        if info is not None:
            state, shown = "ok", info.public_settings(settings)
        else:
            # Without the plugin's schema nobody knows which settings are
            # secret: mask them all.
            state = "broken" if row.plugin in host.broken else "not installed"
            shown = {key: MASK for key in settings}
        lines.append(
            {
                "name": row.plugin,
                "state": state,
                "settings": shown,
                "enabled_at": row.enabled_at.isoformat() if row.enabled_at else None,
                # An interrupted enable, disable or settings change: values still moving.
                "pending_move": field_moves.pending(tenant, row.plugin),
            }
        )
    return {"slug": tenant.slug, "status": tenant.status, "plugins": lines}


def plugin_report(registry, slug: str | None = None) -> dict:
    host: PluginHost = registry.plugin_host
    tenants = all_tenants(registry.tenancy)
    enabled_by = _enabled_by(tenants)
    known = set(host.infos) | set(host.broken) | host.builtin_names
    report = {
        "installed": [
            {
                "name": info.name,
                "version": info.version,
                "distribution": info.distribution,
                "description": info.description,
                "hooks": list(info.hooks),
                "tenants": enabled_by.get(name, []),
            }
            for name, info in sorted(host.infos.items())
        ],
        "builtin": sorted(host.builtin_names),
        "broken": [
            {"name": name, "error": error, "tenants": enabled_by.get(name, [])}
            for name, error in sorted(host.broken.items())
        ],
        # Contracts naming a plugin that is no longer installed at all.
        "missing": [
            {"name": name, "tenants": slugs}
            for name, slugs in sorted(enabled_by.items())
            if name not in known
        ],
        "pending_moves": _pending_moves(tenants),
    }
    if slug is not None:
        report["tenant"] = _tenant_contract(host, find_tenant(registry, slug))
    return report


def _echo_settings(settings: dict, indent: str = "    ") -> None:
    if not settings:
        click.echo(f"{indent}(no settings)")
    for key, value in sorted(settings.items()):
        click.echo(f"{indent}{key} = {value!r}")


def _echo_report(report: dict) -> None:
    click.echo("Installed plugins:" if report["installed"] else "Installed plugins: none")
    for plugin in report["installed"]:
        origin = f" ({plugin['distribution']})" if plugin["distribution"] else ""
        click.echo(f"  {plugin['name']} {plugin['version']}{origin}")
        if plugin["description"]:
            click.echo(f"      {plugin['description']}")
        click.echo(f"      hooks: {', '.join(plugin['hooks']) or '-'}")
        click.echo(f"      enabled by: {', '.join(plugin['tenants']) or '-'}")
    click.echo(f"Built into the core: {', '.join(report['builtin']) or '-'}")
    if report["broken"]:
        click.echo("Broken plugins (tenants that enable them are refused):")
        for plugin in report["broken"]:
            click.echo(f"  {plugin['name']} (enabled by: {', '.join(plugin['tenants']) or '-'})")
            for line in plugin["error"].rstrip().splitlines():
                click.echo(f"      {line}")
    if report["missing"]:
        click.echo("Enabled in contracts but not installed (those tenants are refused):")
        for plugin in report["missing"]:
            click.echo(f"  {plugin['name']} (enabled by: {', '.join(plugin['tenants'])})")
    if report["pending_moves"]:
        click.echo("Unfinished field moves (stored values partly moved; the command shown "
                   "finishes each):")
        for move in report["pending_moves"]:
            click.echo(f"  {move['tenant']}: {move['plugin']} {move['action']}: {move['rerun']}")
    contract = report.get("tenant")
    if contract is not None:
        click.echo(
            f"Tenant {contract['slug']!r} ({contract['status']}) enables:"
            if contract["plugins"]
            else f"Tenant {contract['slug']!r} enables no plugins."
        )
        for plugin in contract["plugins"]:
            state = "" if plugin["state"] == "ok" else f" [{plugin['state']}]"
            moving = (f" [unfinished {plugin['pending_move']}]" if plugin["pending_move"]
                      else "")
            click.echo(f"  {plugin['name']}{state}{moving}")
            _echo_settings(plugin["settings"])


@plugins_group.command("list")
@click.option(
    "--tenant",
    "slug",
    metavar="SLUG",
    help="Also show this tenant's enabled plugins and their settings (secrets masked).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document.")
def list_plugins(slug: str | None, as_json: bool) -> None:
    """List installed plugins (version, distribution, hooks, tenants that
    enable them), broken plugins with their error, and every tenant's
    unfinished field move with the command that finishes it."""
    report = plugin_report(current_registry(), slug)
    if as_json:
        echo_json(report)
    else:
        _echo_report(report)


def _move_bar(host: PluginHost, plugin: str, slug: str):
    """A progress bar for a plugin whose change moves stored values; else nothing to show."""
    if field_moves.has_codecs(host, plugin):
        return progress_bar(slug, "moving stored values of")
    return nullcontext(None)


@plugins_group.command("enable")
@BATCH_OPTION
@click.argument("slug")
@click.argument("plugin")
@click.argument("settings", nargs=-1, metavar="[KEY=VALUE]...")
def enable(slug: str, plugin: str, settings: tuple[str, ...], batch_size: int) -> None:
    """Enable PLUGIN for tenant SLUG, with optional settings (others take their defaults).

    A plugin that encrypts fields moves the stored values in committed batches
    (a progress bar); run the same command again to finish an interrupted move.
    """
    registry = current_registry()
    host: PluginHost = registry.plugin_host
    find_tenant(registry, slug)
    values = contracts.parse_assignments(list(settings), host, plugin)
    with quiet_alembic():
        with _move_bar(host, plugin, slug) as progress:
            validated = contracts.enable(registry, slug, plugin, values, actor=cli_actor(),
                                         progress=progress, batch_size=batch_size)
    click.echo(f"Enabled plugin {plugin!r} for tenant {slug!r} with settings:")
    _echo_settings(host.info(plugin).public_settings(validated), indent="  ")


@plugins_group.command("disable")
@BATCH_OPTION
@click.argument("slug")
@click.argument("plugin")
def disable(slug: str, plugin: str, batch_size: int) -> None:
    """Disable PLUGIN for tenant SLUG (the plugin tears down its state for the tenant).

    A plugin that encrypts fields stays enabled, decrypting in committed batches,
    until every value is plain; run the same command again after an interruption.
    """
    registry = current_registry()
    find_tenant(registry, slug)
    with _move_bar(registry.plugin_host, plugin, slug) as progress:
        contracts.disable(registry, slug, plugin, actor=cli_actor(), progress=progress,
                          batch_size=batch_size)
    click.echo(f"Disabled plugin {plugin!r} for tenant {slug!r}.")


@plugins_group.command("configure")
@BATCH_OPTION
@click.argument("slug")
@click.argument("plugin")
@click.argument("settings", nargs=-1, required=True, metavar="KEY=VALUE...")
def configure(slug: str, plugin: str, settings: tuple[str, ...], batch_size: int) -> None:
    """Change settings of PLUGIN for tenant SLUG; all are validated before any is stored."""
    registry = current_registry()
    find_tenant(registry, slug)
    values = contracts.parse_assignments(list(settings), registry.plugin_host, plugin)
    with _move_bar(registry.plugin_host, plugin, slug) as progress:
        shown = contracts.configure(registry, slug, plugin, values, actor=cli_actor(),
                                    progress=progress, batch_size=batch_size)
    click.echo(f"Configured plugin {plugin!r} for tenant {slug!r}:")
    _echo_settings(shown, indent="  ")
