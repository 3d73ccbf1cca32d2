"""``praxcloud backup run|list|verify|restore``: what operators script against.

Every failure ends with a non-zero exit and one line on stderr saying why
(``Error: ...``); long jobs show a progress bar on a terminal.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager

import click

from praxcloud.plugin import (
    PraxError,
    current_registry,
    iso_time,
    prepare_restored_copy,
    tenant_request,
    tenants_with_plugin,
)

from . import service
from .config import NAME
from .errors import BackupError


@contextmanager
def progress_bar(title: str):
    """A callback counting bytes, drawn as a progress bar when stderr is a terminal."""
    from rich.console import Console
    from rich.progress import (
        DownloadColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), DownloadColumn(),
                  TransferSpeedColumn(), TimeElapsedColumn(), console=console,
                  transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(title, total=None)
        yield lambda count: bar.advance(task, count)


def parse_at(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("write an ISO 8601 time, e.g. 2026-12-07T03:00:00Z or "
                                 "2026-12-07", param_hint="--at") from None
    if len(text) == 10:
        value = value + dt.timedelta(days=1) - dt.timedelta(seconds=1)  # that whole day
    return value.replace(tzinfo=value.tzinfo or dt.UTC).astimezone(dt.UTC)


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def age(at: dt.datetime) -> str:
    seconds = max(0, int(service.clock() - at.timestamp()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def as_json(backup: dict) -> dict:
    return {**backup, "at": iso_time(backup["at"])}


def fail(exc: PraxError) -> click.ClickException:
    return click.ClickException(exc.message)


def enabled(registry, slug: str) -> None:
    if slug not in tenants_with_plugin(registry, NAME):
        raise click.ClickException(f"tenant {slug!r} does not enable the backup plugin "
                                   f"(praxcloud plugins enable {slug} backup target=URL)")


def add_commands(group: click.Group) -> None:
    @group.group("backup")
    def backup() -> None:
        """Encrypted, verified backups of tenants' databases (the backup plugin)."""

    @backup.command("run")
    @click.option("--tenant", "slug", metavar="SLUG", help="Back up this tenant.")
    @click.option("--all", "every", is_flag=True, help="Back up every tenant that enables it.")
    @click.option("--json", "json_out", is_flag=True, help="Print the backups as JSON.")
    def run(slug: str | None, every: bool, json_out: bool) -> None:
        """Back up a tenant (or all), verify the backup, prune old ones."""
        if bool(slug) == every:
            raise click.UsageError("give --tenant SLUG or --all")
        registry = current_registry()
        slugs = tenants_with_plugin(registry, NAME) if every else [slug]
        if not every:
            enabled(registry, slug)
        made, failures = [], []
        for one in slugs:
            try:
                with progress_bar(f"backing up {one}") as progress, \
                        tenant_request(registry, one) as request:
                    result = service.run_backup(request, progress)
            except PraxError as exc:
                failures.append(f"{one}: {exc.message}")
                click.echo(f"backup of {one} FAILED: {exc.message}", err=True)
                continue
            made.append({"tenant": one, **as_json(result)})
            if not json_out:
                click.echo(f"{one}: backup {result['short_id']} verified, "
                           f"{human_size(result['size'])}, {result['pruned']} old pruned")
        if json_out:
            click.echo(json.dumps(made, indent=2))
        if failures:
            raise click.ClickException(failures[0] if len(failures) == 1 else
                                       f"{len(failures)} of {len(slugs)} backups failed: "
                                       + "; ".join(failures))

    @backup.command("list")
    @click.option("--tenant", "slug", required=True, metavar="SLUG")
    @click.option("--json", "json_out", is_flag=True, help="Print a JSON list.")
    def list_(slug: str, json_out: bool) -> None:
        """List a tenant's backups, newest first."""
        registry = current_registry()
        enabled(registry, slug)
        try:
            with tenant_request(registry, slug) as request:
                backups = service.list_backups(request)
        except PraxError as exc:
            raise fail(exc) from None
        if json_out:
            click.echo(json.dumps([as_json(item) for item in backups], indent=2))
            return
        if not backups:
            click.echo(f"{slug} has no backup yet")
        for item in backups:
            click.echo(f"{item['short_id']}  {item['at']:%Y-%m-%d %H:%M:%S}Z  "
                       f"{age(item['at']):>7} ago  {item['status']:<10}  "
                       f"{human_size(item['size']):>10}  {item['engine']}")

    @backup.command("verify")
    @click.option("--tenant", "slug", metavar="SLUG", help="Only this tenant (default: all).")
    @click.option("--every-backup", "every", is_flag=True,
                  help="Read back every backup, not only the newest.")
    def verify(slug: str | None, every: bool) -> None:
        """Check the repositories and read the newest backup back in full."""
        registry = current_registry()
        slugs = [slug] if slug else tenants_with_plugin(registry, NAME)
        if slug:
            enabled(registry, slug)
        failures = []
        for one in slugs:
            try:
                with tenant_request(registry, one) as request:
                    checked = service.verify(request, every)
            except PraxError as exc:
                failures.append(f"{one}: {exc.message}")
                click.echo(f"{one}: FAILED: {exc.message}", err=True)
                continue
            click.echo(f"{one}: ok ({', '.join(item['short_id'] for item in checked)})")
        if failures:
            raise click.ClickException(failures[0] if len(failures) == 1 else
                                       f"{len(failures)} tenants failed verification: "
                                       + "; ".join(failures))

    @backup.command("restore")
    @click.option("--tenant", "slug", required=True, metavar="SLUG")
    @click.option("--at", "at_text", metavar="TIME",
                  help="The newest backup at or before TIME (ISO 8601; default: the newest).")
    @click.option("--into", "into", metavar="NEW_SLUG",
                  help="Restore into a new tenant of this slug, for inspection.")
    @click.option("--yes", is_flag=True, help="Do not ask before replacing the tenant's data.")
    @click.pass_context
    def restore(ctx: click.Context, slug: str, at_text: str | None, into: str | None,
                yes: bool) -> None:
        """Restore a tenant's database (or a copy in a new tenant) from its backup."""
        at = parse_at(at_text)
        registry = current_registry()
        enabled(registry, slug)
        into_engine = None
        if into:
            into_engine = _new_tenant(ctx, registry, into, slug)
        elif not yes and not click.confirm(
                f"Replace every row of {slug}'s database with its backup?", err=True):
            raise click.ClickException("restore cancelled")
        try:
            if into:
                # Before any row arrives: the copy's codecs must read the source's values.
                prepare_restored_copy(registry, slug, into)
            with progress_bar(f"restoring {slug}") as progress, \
                    tenant_request(registry, slug) as request:
                restored = service.restore(request, into_engine, at, progress)
        except BaseException as exc:
            if into:  # the tenant made for the copy goes again, with its copied keys
                ctx.invoke(_core_command(ctx, "delete"), slug=into, yes=True)
            if isinstance(exc, PraxError):
                raise fail(exc) from None
            raise
        where = f"new tenant {into}" if into else slug
        click.echo(f"{where}: restored backup {restored['short_id']} taken "
                   f"{restored['at']:%Y-%m-%d %H:%M:%S}Z")
        if restored["revision_after"] != restored["revision_before"]:
            click.echo(f"note: the backup's schema ({restored['revision_after']}) is not the "
                       f"one the database had ({restored['revision_before']}): run "
                       f"`praxcloud db upgrade` before serving {into or slug}", err=True)


def _core_command(ctx: click.Context, name: str) -> click.Command:
    """The core's ``praxcloud tenant NAME`` command."""
    root = ctx.find_root()
    group = root.command.get_command(root, "tenant")
    command = group.get_command(root, name) if group else None
    if command is None:  # pragma: no cover - the core always has them
        raise click.ClickException(f"the core's `tenant {name}` command is missing")
    return command


def _new_tenant(ctx: click.Context, registry, into: str, slug: str):
    """Make tenant ``into`` with the core's own command; its database engine."""
    create = _core_command(ctx, "create")
    try:
        with tenant_request(registry, into):
            exists = True
    except Exception:  # noqa: BLE001 - any refusal means there is no such tenant to use
        exists = False
    if exists:
        raise click.ClickException(f"tenant {into!r} already exists: --into needs a new slug")
    ctx.invoke(create, slug=into, name=f"Restored copy of {slug}", admin_email=None)
    try:
        with tenant_request(registry, into) as request:
            return request.tenant_db.get_bind()
    except BackupError as exc:  # pragma: no cover
        raise fail(exc) from None

