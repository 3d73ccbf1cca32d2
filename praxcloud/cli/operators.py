"""``praxcloud operator create``: platform operators, who manage tenants and contracts."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from ..core.accounts import MIN_PASSWORD_LENGTH
from ..core.models import Operator, PlatformAuditEvent
from ..core.passwords import hash_password
from .state import current_registry
from .support import EMAIL, cli_actor, read_password


class OperatorExists(click.ClickException):
    def __init__(self, email: str):
        super().__init__(f"a platform operator {email} already exists")


def operator_exists(registry, email: str) -> bool:
    with registry.tenancy.platform_session() as platform_db:
        found = platform_db.scalars(
            select(Operator.id).where(func.lower(Operator.email) == email.lower())
        ).first()
    return found is not None


def create_operator(registry, email: str, password: str) -> None:
    """Store operator ``email`` with an Argon2id hash of ``password``; audited on the platform."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(
            f"the password does not meet the policy\n  password: use at least "
            f"{MIN_PASSWORD_LENGTH} characters."
        )
    if operator_exists(registry, email):
        raise OperatorExists(email)
    with registry.tenancy.platform_session() as platform_db:
        platform_db.add(
            Operator(email=email, password_hash=hash_password(registry.password_context, password))
        )
        platform_db.add(
            PlatformAuditEvent(event="operator.create", actor=cli_actor(), details={"email": email})
        )


@click.group("operator")
def operator_group() -> None:
    """Platform operators: they manage tenants and contracts, never tenants' data."""


@operator_group.command("create")
@click.argument("email", type=EMAIL)
def create(email: str) -> None:
    """Create platform operator EMAIL.

    The password comes from the PRAXCLOUD_PASSWORD environment variable, or is
    asked for twice without echo.
    """
    registry = current_registry()
    if operator_exists(registry, email):
        raise OperatorExists(email)
    create_operator(registry, email, read_password())
    click.echo(f"Created platform operator {email}.")
