"""``praxcloud db upgrade``: migrate the platform database and every tenant's database."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from ..core.contracts import plugin_migrations
from ..core.migrations import upgrade_platform, upgrade_tenant
from ..core.provisioning import all_tenants
from ..core.settings import settings_of
from .state import current_registry
from .support import quiet_alembic


@click.group("db")
def db_group() -> None:
    """Database schema migrations."""


def _make_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


@db_group.command("upgrade")
@click.option("-v", "--verbose", is_flag=True, help="Show alembic's log of each migration.")
def upgrade(verbose: bool) -> None:
    """Apply migrations to the platform database and to every tenant's database.

    Each tenant gets the core's migrations and those of the plugins its
    contract enables. A tenant that fails is reported and the others go on;
    the exit status is non-zero if any failed.
    """
    registry = current_registry()
    tenancy = registry.tenancy
    host = registry.plugin_host
    _make_sqlite_directory(settings_of(tenancy.settings).required("platform_db_url"))
    with quiet_alembic(verbose):
        upgrade_platform(tenancy.platform_engine, tenancy.keyring)
        click.echo("Platform database: up to date.")
        tenants = all_tenants(tenancy)
        migrations = plugin_migrations(host)
        failures: dict[str, str] = {}
        with click.progressbar(
            tenants,
            label="Tenant databases",
            file=sys.stderr,
            item_show_func=lambda tenant: tenant.slug if tenant else "",
        ) as bar:
            for tenant in bar:
                try:
                    upgrade_tenant(
                        tenancy.engine_for(tenant), migrations, tenant.enabled_plugins
                    )
                except Exception as exc:
                    failures[tenant.slug] = f"{type(exc).__name__}: {exc}"
                    continue
                broken = host.broken_among(tenant.enabled_plugins)
                if broken:
                    # Their migrations are unknown: the tenant stays refused until fixed.
                    failures[tenant.slug] = (
                        "enabled plugins are broken or not installed, "
                        "their migrations were not applied: " + ", ".join(broken)
                    )
    upgraded = len(tenants) - len(failures)
    click.echo(f"Tenant databases: {upgraded} of {len(tenants)} up to date.")
    if failures:
        for slug, reason in sorted(failures.items()):
            click.echo(f"  {slug}: {reason}", err=True)
        raise click.ClickException(f"{len(failures)} tenant database(s) could not be upgraded")
