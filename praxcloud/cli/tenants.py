"""``praxcloud tenant ...``: create, list, suspend, resume and delete tenants."""

from __future__ import annotations

import click

from ..core import provisioning
from ..core.invitations import FIRST_ADMIN_GROUP, invite_first_administrator
from ..core.models import TENANT_ACTIVE, TENANT_SUSPENDED, Tenant
from ..core.settings import settings_of
from .state import current_registry
from .support import (
    EMAIL,
    cli_actor,
    echo_json,
    echo_table,
    find_tenant,
    platform_audit,
    quiet_alembic,
)

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
@click.option("--admin-email", type=EMAIL, default=None,
              help="Make this person the tenant's first administrator and mail them an "
              "invitation to choose a password.")
def create(slug: str, name: str, admin_email: str | None) -> None:
    """Create tenant SLUG with its own database (a SQLite file, or a PostgreSQL
    database and login role), migrated and seeded with the default groups.

    With --admin-email, its first administrator is invited too; if the
    invitation cannot be sent, the tenant is dropped again.
    """
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise click.BadParameter(f"give 1 to {NAME_MAX} characters", param_hint="--name")
    registry = current_registry()
    with quiet_alembic():
        provisioning.create_tenant(registry.tenancy, slug, name)
    if admin_email is not None:
        try:
            invite_first_administrator(registry, slug, admin_email, actor=cli_actor())
        except Exception as exc:
            provisioning.delete_tenant(registry.tenancy, slug)
            raise click.ClickException(
                f"the invitation to {admin_email} could not be sent ({exc}), "
                f"so tenant {slug!r} was not created"
            ) from exc
    platform_audit(registry, "tenant.create", slug, {"name": name})
    backend = settings_of(registry).tenant_db_backend
    click.echo(f"Created tenant {slug!r} ({name}) with its own {backend} database.")
    if admin_email is not None:
        # The address stays in the tenant's own trail: the platform keeps no personal data.
        platform_audit(registry, "tenant.admin_invited", slug, {"group": FIRST_ADMIN_GROUP})
        click.echo(f"Mailed {admin_email} an invitation to choose a password, as the "
                   f"tenant's first administrator.")


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
