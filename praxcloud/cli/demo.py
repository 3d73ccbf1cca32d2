"""``praxcloud demo``: a demo tenant and operator for ``make run`` on a fresh clone.

Idempotent: what exists is left alone, and a password is printed only when
its account is created, once.
"""

from __future__ import annotations

import secrets

import click

from ..core.provisioning import create_tenant, delete_tenant
from ..core.scripting import platform_request, tenant_request
from ..core.user_admin import create_user
from .operators import create_operator, operator_exists
from .state import current_registry
from .support import platform_audit, quiet_alembic

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Institution"
DEMO_ADMIN = "admin@demo.local"
DEMO_OPERATOR = "operator@demo.local"


def new_password() -> str:
    return secrets.token_urlsafe(12)


def _tenant_exists(registry) -> bool:
    with registry.tenancy.platform_session() as platform_db:
        return registry.tenancy.find(platform_db, DEMO_SLUG) is not None


def _create_demo_tenant(registry) -> None:
    password = new_password()
    with quiet_alembic():
        create_tenant(registry.tenancy, DEMO_SLUG, DEMO_NAME)
    try:
        with tenant_request(registry, DEMO_SLUG) as request:
            create_user(request, DEMO_ADMIN, password, ["admin"], "Demo Administrator")
            login_url = request.route_url("console.login", tenant=DEMO_SLUG)
    except BaseException:
        # A demo tenant without its administrator is of no use: take it back.
        delete_tenant(registry.tenancy, DEMO_SLUG)
        raise
    platform_audit(registry, "tenant.create", DEMO_SLUG, {"name": DEMO_NAME})
    click.echo(f"Created the demo tenant {DEMO_SLUG!r} ({DEMO_NAME}).")
    click.echo(f"  Console:  {login_url}")
    click.echo(f"  E-mail:   {DEMO_ADMIN}")
    click.echo(f"  Password: {password}")


def _platform_login_url(registry) -> str:
    with platform_request(registry) as request:
        return request.route_url("platform.login")


@click.command("demo")
def demo() -> None:
    """Create the demo tenant with an administrator, and a demo platform operator.

    Passwords are random and printed once, when the account is created;
    run again, it changes nothing and prints no password.
    """
    registry = current_registry()
    created = False
    if _tenant_exists(registry):
        click.echo(
            f"The demo tenant {DEMO_SLUG!r} already exists; its administrator "
            f"{DEMO_ADMIN} keeps the password printed when it was created."
        )
    else:
        _create_demo_tenant(registry)
        created = True
    if operator_exists(registry, DEMO_OPERATOR):
        click.echo(f"The demo platform operator {DEMO_OPERATOR} already exists.")
    else:
        password = new_password()
        create_operator(registry, DEMO_OPERATOR, password)
        click.echo("Created the demo platform operator.")
        click.echo(f"  Console:  {_platform_login_url(registry)}")
        click.echo(f"  E-mail:   {DEMO_OPERATOR}")
        click.echo(f"  Password: {password}")
        created = True
    if created:
        click.echo("Passwords are shown only this once: note them now.")
