"""``praxcloud tenant ...``: create, list, suspend, resume and delete tenants."""

from __future__ import annotations

import click

from ..core import provisioning
from ..core.models import TENANT_ACTIVE, TENANT_SUSPENDED, Tenant
from .state import current_registry
from .support import echo_json, echo_table, find_tenant, platform_audit, quiet_alembic

NAME_MAX = 200


@click.group("tenant")
def tenant_group() -> None:
    """Create, list, suspend, resume and delete tenants (institutions)."""


def tenant_summary(tenant: Tenant) -> dict:
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "status": tenant.status,
        "created_at": tenant.created_at.isoformat() if tenant.created_at else None,
        "plugins": sorted(tenant.enabled_plugins),
    }


@tenant_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The institution's name, as users see it.")
def create(slug: str, name: str) -> None:
    """Create tenant SLUG with its own database (a SQLite file, or a PostgreSQL
    database and login role), migrated and seeded with the default groups."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise click.BadParameter(f"give 1 to {NAME_MAX} characters", param_hint="--name")
    registry = current_registry()
    with quiet_alembic():
        provisioning.create_tenant(registry.tenancy, slug, name)
    platform_audit(registry, "tenant.create", slug, {"name": name})
    backend = registry.settings.get("praxcloud.tenant_db_backend", "sqlite")
    click.echo(f"Created tenant {slug!r} ({name}) with its own {backend} database.")


@tenant_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_tenants(as_json: bool) -> None:
    """List tenants: slug, name, status, creation time and enabled plugins."""
    tenants = [tenant_summary(t) for t in provisioning.all_tenants(current_registry().tenancy)]
    if as_json:
        echo_json(tenants)
        return
    if not tenants:
        click.echo("No tenants.")
        return
    echo_table(
        ["SLUG", "NAME", "STATUS", "CREATED", "PLUGINS"],
        [
            [
                t["slug"],
                t["name"],
                t["status"],
                (t["created_at"] or "")[:19],
                ", ".join(t["plugins"]) or "-",
            ]
            for t in tenants
        ],
    )


def _change_status(slug: str, status: str, verb: str) -> None:
    registry = current_registry()
    if find_tenant(registry, slug).status == status:
        click.echo(f"Tenant {slug!r} is already {status}.")
        return
    provisioning.set_status(registry.tenancy, slug, status)
    platform_audit(registry, f"tenant.{verb}", slug)
    click.echo(f"Tenant {slug!r} is now {status}.")


@tenant_group.command("suspend")
@click.argument("slug")
def suspend(slug: str) -> None:
    """Suspend tenant SLUG: its console and API refuse every request at once."""
    _change_status(slug, TENANT_SUSPENDED, "suspend")


@tenant_group.command("resume")
@click.argument("slug")
def resume(slug: str) -> None:
    """Resume a suspended tenant SLUG."""
    _change_status(slug, TENANT_ACTIVE, "resume")


@tenant_group.command("delete")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Confirm: the database and key are destroyed for good.")
def delete(slug: str, yes: bool) -> None:
    """Delete tenant SLUG: drop its database (and role) and destroy its key."""
    if not yes:
        raise click.UsageError(
            f"deleting tenant {slug!r} destroys its database and its key for good; "
            "add --yes to confirm"
        )
    registry = current_registry()
    provisioning.delete_tenant(registry.tenancy, slug)
    platform_audit(registry, "tenant.delete", slug)
    click.echo(f"Deleted tenant {slug!r}: its database is dropped and its key destroyed.")
