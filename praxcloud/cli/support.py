"""Small helpers the commands share: passwords, e-mail arguments, tables, audit, tenants."""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from ..core.local_auth import normalise_email
from ..core.models import PlatformAuditEvent, Tenant
from ..core.provisioning import TenantNotFound

PASSWORD_ENV = "PRAXCLOUD_PASSWORD"  # noqa: S105 - the name of the variable, not a password
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_password(prompt: str = "Password") -> str:
    """The password from ``PRAXCLOUD_PASSWORD``, else asked twice without echo."""
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


class EmailType(click.ParamType):
    """An e-mail address, normalised the way logins look it up."""

    name = "email"

    def convert(self, value: Any, param, ctx) -> str:
        email = normalise_email(str(value))
        if len(email) > 254 or not EMAIL_RE.match(email):
            self.fail(f"{value!r} is not an e-mail address", param, ctx)
        return email


EMAIL = EmailType()


@contextmanager
def quiet_alembic(verbose: bool = False) -> Iterator[None]:
    """Alembic's INFO lines, a few per database, hidden unless ``verbose``.

    Over 1,000 tenants they would bury the progress bar and the output an
    operator needs (such as the demo passwords).
    """
    logger = logging.getLogger("alembic")
    previous = logger.level
    if not verbose:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous)


def cli_actor() -> str:
    """Who to name in audit trails: the operating-system account running the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def platform_audit(
    registry, event: str, slug: str | None = None, details: dict | None = None
) -> None:
    with registry.tenancy.platform_session() as platform_db:
        platform_db.add(
            PlatformAuditEvent(
                event=event, tenant_slug=slug, actor=cli_actor(), details=details or {}
            )
        )


def find_tenant(registry, slug: str) -> Tenant:
    tenancy = registry.tenancy
    with tenancy.platform_session() as platform_db:
        tenant = tenancy.find(platform_db, slug)
        if tenant is None:
            raise TenantNotFound(slug)
        platform_db.expunge(tenant)
    return tenant


def find_active_tenant(registry, slug: str) -> Tenant:
    """The tenant, refused with a hint when it is suspended (its database is closed to all)."""
    tenant = find_tenant(registry, slug)
    if not tenant.is_active:
        raise click.ClickException(
            f"tenant {slug!r} is suspended; resume it first with `praxcloud tenant resume {slug}`"
        )
    return tenant


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def echo_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    for line in [headers, *rows]:
        click.echo(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)
            ).rstrip()
        )
