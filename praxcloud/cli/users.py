"""``praxcloud user ...``: create a tenant's users, reset their passwords, restore an admin.

They go through the same services as the console and the API
(:mod:`praxcloud.core.user_admin` to add a user, :mod:`praxcloud.core.accounts`
for passwords), inside a request bound to the tenant (:func:`tenant_request`),
so the tenant's password policy and audit trail apply.
"""

from __future__ import annotations

import click
from sqlalchemy import select

from ..core.accounts import DuplicateEmail, request_password_reset, reset_lifetime
from ..core.accounts import set_password as set_user_password
from ..core.admin_recovery import ADMIN_GROUP, NoSuchUser, restore_administrator
from ..core.local_auth import find_user_by_email
from ..core.models import Group
from ..core.scripting import tenant_request
from ..core.user_admin import UnknownGroups, create_user, groups_named
from .errors import with_fields
from .state import current_registry
from .support import (
    EMAIL,
    PASSWORD_ENV,
    cli_actor,
    find_active_tenant,
    platform_audit,
    read_password,
)

DISPLAY_NAME_MAX = 200


@click.group("user")
def user_group() -> None:
    """Create users of a tenant and reset their passwords."""


def _check_before_prompting(registry, slug: str, email: str, groups: list[str]) -> None:
    # create_user checks all of this again; asking first spares the operator
    # typing a password twice for a command that cannot succeed.
    with tenant_request(registry, slug) as request:
        if find_user_by_email(request.tenant_db, email) is not None:
            raise DuplicateEmail()
        try:
            groups_named(request.tenant_db, groups)
        except UnknownGroups as exc:
            known = sorted(request.tenant_db.scalars(select(Group.name)))
            raise click.ClickException(
                with_fields(
                    f"no such group in tenant {slug!r}: {', '.join(exc.names)}",
                    {"groups": "choose from " + ", ".join(known)},
                )
            ) from None


@user_group.command("create")
@click.argument("slug")
@click.argument("email", type=EMAIL)
@click.option(
    "--group",
    "groups",
    multiple=True,
    required=True,
    metavar="GROUP",
    help="A group to put the user in (admin, staff, read-only, ...); repeatable.",
)
@click.option("--name", "display_name", default="", help="The user's display name.")
def create(slug: str, email: str, groups: tuple[str, ...], display_name: str) -> None:
    """Create user EMAIL in tenant SLUG.

    The password comes from the PRAXCLOUD_PASSWORD environment variable, or is
    asked for twice without echo; the tenant's password policy applies.
    """
    display_name = display_name.strip()
    if len(display_name) > DISPLAY_NAME_MAX:
        raise click.BadParameter(f"at most {DISPLAY_NAME_MAX} characters", param_hint="--name")
    group_list = list(dict.fromkeys(groups))
    registry = current_registry()
    find_active_tenant(registry, slug)
    _check_before_prompting(registry, slug, email, group_list)
    password = read_password()
    with tenant_request(registry, slug) as request:
        create_user(request, email, password, group_list, display_name)
    click.echo(f"Created user {email} in tenant {slug!r} (groups: {', '.join(group_list)}).")


@user_group.command("reset-password")
@click.argument("slug")
@click.argument("email", type=EMAIL)
@click.option(
    "--set",
    "set_now",
    is_flag=True,
    help=f"Set a new password now (from {PASSWORD_ENV} or a prompt) instead of "
    "mailing a link; ends all of the user's sessions.",
)
def reset_password(slug: str, email: str, set_now: bool) -> None:
    """Mail user EMAIL of tenant SLUG a single-use password reset link.

    With --set, set the new password directly instead.
    """
    registry = current_registry()
    find_active_tenant(registry, slug)
    with tenant_request(registry, slug) as request:
        user = find_user_by_email(request.tenant_db, email)
        if user is None:
            raise click.ClickException(f"no user {email} in tenant {slug!r}")
        if not set_now and not user.is_active:
            raise click.ClickException(
                f"user {email} is deactivated: no reset link is sent to a deactivated account"
            )
        if not set_now:
            request_password_reset(request, email)
            minutes = int(reset_lifetime(request).total_seconds() // 60)
    if not set_now:
        click.echo(f"Mailed {email} a single-use reset link, valid for {minutes} minutes.")
        return
    password = read_password("New password")
    with tenant_request(registry, slug) as request:
        user = find_user_by_email(request.tenant_db, email)
        if user is None:
            raise click.ClickException(f"no user {email} in tenant {slug!r}")
        set_user_password(request, user, password)
        request.audit.record(
            "password.reset", target=user.email, actor=cli_actor(), details={"via": "cli"}
        )
    click.echo(f"Set a new password for {email}; all of their sessions are ended.")


@user_group.command("restore-admin")
@click.argument("slug")
@click.argument("email", type=EMAIL)
@click.option("--group", "group_name", default=ADMIN_GROUP, show_default=True,
              help="The group that is to grant users.manage (created if missing).")
def restore_admin(slug: str, email: str, group_name: str) -> None:
    """Let user EMAIL of tenant SLUG manage users again.

    For a tenant where no group can manage users any more: EMAIL becomes an
    active member of GROUP, which is given users.manage (or created with the
    administrators' permissions). Audited in the tenant's trail and the
    platform's. The user's password is not touched: use reset-password for that.
    """
    registry = current_registry()
    find_active_tenant(registry, slug)
    with tenant_request(registry, slug) as request:
        try:
            done = restore_administrator(request, email, group_name, actor=cli_actor())
        except NoSuchUser:
            raise click.ClickException(
                f"no user {email} in tenant {slug!r}; create one first with "
                f"`praxcloud user create {slug} {email} --group {group_name}`") from None
    if not done.changes:
        click.echo(f"{email} can already manage users in tenant {slug!r} (group {group_name}).")
        return
    platform_audit(registry, "tenant.admin_restored", slug,
                   {"email": email, "group": group_name, "changes": done.changes})
    click.echo(f"{email} can manage users in tenant {slug!r} again: "
               + "; ".join(done.changes) + ".")
