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


@operator_group.command("reset-second-factors")
@click.argument("email", type=EMAIL)
def reset_second_factors(email: str) -> None:
    """Remove every second factor of operator EMAIL (a lost phone or key) and end their sessions.

    Where second factors are required, the operator sets up a new one at
    their next login. Run it only after making sure who is asking.
    """
    from ..core.models import OperatorSession, OperatorTotp, OperatorWebauthnKey, utcnow

    registry = current_registry()
    with registry.tenancy.platform_session() as platform_db:
        operator = platform_db.scalars(
            select(Operator).where(func.lower(Operator.email) == email.lower())).first()
        if operator is None:
            raise click.ClickException(f"there is no platform operator {email}")
        removed = {
            "totp": platform_db.query(OperatorTotp).filter_by(operator_id=operator.id).delete(),
            "keys": platform_db.query(OperatorWebauthnKey)
            .filter_by(operator_id=operator.id).delete(),
        }
        platform_db.query(OperatorSession).filter(
            OperatorSession.user_id == operator.id, OperatorSession.revoked_at.is_(None)
        ).update({"revoked_at": utcnow()})
        platform_db.add(PlatformAuditEvent(
            event="operator.second_factors_reset", actor=cli_actor(),
            details={"email": operator.email, **removed}))
    click.echo(f"Removed the second factors of {operator.email}: "
               f"{removed['totp']} authenticator app(s), {removed['keys']} security key(s).")
