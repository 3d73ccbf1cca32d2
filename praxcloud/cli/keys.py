"""``praxcloud keys ...``: the tenants' data keys and the master key.

``keys rotate --tenant T`` makes a new data key version for each purpose
the tenant has (field encryption's), re-encrypts every stored value in
committed batches with a progress bar, and retires the old version; rerun
with ``--finish`` it carries on where an interrupted run stopped.
``keys rotate-master`` wraps every tenant key, data key and platform key
(operators' TOTP secrets and passkey user handles hang on those) again under the
current master key, after the operator put the new one in place
(``praxcloud.master_key_id`` with a new id, the old key in
``PRAXCLOUD_PREVIOUS_MASTER_KEYS``).
"""

from __future__ import annotations

from contextlib import contextmanager

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..core import contracts, data_keys, key_rotation
from ..core.tasks import resolve_task
from .state import current_registry
from .support import cli_actor, echo_json, echo_table, find_tenant, platform_audit


@contextmanager
def progress_bar(slug: str, doing: str = "re-encrypting"):
    """A rich progress bar; yields the ``progress(done, total)`` callback batched jobs take."""
    with Progress(TextColumn(f"{doing} {{task.description}}"), BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), transient=False) as bar:
        task = bar.add_task(slug, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield progress


@click.group("keys")
def keys_group() -> None:
    """Rotate tenants' data keys and the master key; show their state."""


@keys_group.command("status")
@click.option("--tenant", "slug", required=True, help="The tenant (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def status(slug: str, as_json: bool) -> None:
    """Each data key version of the tenant: purpose, state, age, encryptions."""
    registry = current_registry()
    find_tenant(registry, slug)
    rows = [{"purpose": purpose, **key}
            for purpose in key_rotation.purposes(registry, slug)
            for key in data_keys.status(registry.tenancy, slug, purpose)]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(f"tenant {slug!r} has no data keys (nothing of it is encrypted)")
        return
    echo_table(["purpose", "version", "state", "created", "encryptions"],
               [[row["purpose"], str(row["version"]), row["state"],
                 row["created_at"].strftime("%Y-%m-%d %H:%M"), f"{row['encryptions']:,}"]
                for row in rows])


@keys_group.command("rotate")
@click.option("--tenant", "slug", required=True, help="The tenant (slug).")
@click.option("--finish", is_flag=True,
              help="Rotate nothing: finish an interrupted rotation (re-encrypt, retire).")
@click.option("--background", is_flag=True,
              help="Queue the job for a Celery worker instead of running it here.")
@click.option("--batch-size", type=click.IntRange(1, 100_000),
              default=key_rotation.BATCH_SIZE, show_default=True,
              help="Rows re-encrypted per committed transaction.")
def rotate(slug: str, finish: bool, background: bool, batch_size: int) -> None:
    """Rotate the tenant's data keys without downtime and re-encrypt what they encrypted."""
    registry = current_registry()
    find_tenant(registry, slug)
    if background:
        if finish:
            raise click.UsageError("--finish runs here; the daily check finishes in background")
        result = resolve_task(registry.celery_app, key_rotation.rotate_tenant_keys).delay(slug)
        platform_audit(registry, "keys.rotate_queued", slug, {"task": result.id})
        click.echo(f"queued: task {result.id}")
        return
    with progress_bar(slug) as progress:
        moved = {}
        if finish:
            # An interrupted enable, disable or settings change first: its move.
            moved = contracts.finish_moves(registry, slug, progress=progress,
                                           batch_size=batch_size, actor=cli_actor())
        run = key_rotation.finish if finish else key_rotation.rotate
        result = run(registry, slug, progress=progress, batch_size=batch_size)
    for plugin, action in sorted(moved.items()):
        click.echo(f"{plugin}: the unfinished {action} is done")
    platform_audit(registry, "keys.rotate", slug, {
        "rotated": result.rotated, "rows": result.rows,
        "retired": [f"{purpose}:{version}" for purpose, version in result.retired]})
    for purpose, version in sorted(result.rotated.items()):
        click.echo(f"{purpose}: version {version} is now active")
    click.echo(f"{result.rows:,} rows re-encrypted; retired: "
               + (", ".join(f"{p} v{v}" for p, v in result.retired) or "none"))


@keys_group.command("rotate-master")
def rotate_master() -> None:
    """Wrap every tenant, data and platform key under the current master key."""
    registry = current_registry()
    counts = key_rotation.rewrap_master(registry)
    current = registry.keyring.master.current_id
    platform_audit(registry, "keys.rotate_master", None, {"master_key_id": current, **counts})
    click.echo(f"master key {current!r}: {counts['tenant_keys']} tenant keys, "
               f"{counts['data_keys']} data keys and {counts['platform_keys']} platform keys "
               "wrapped again; the previous master key is no longer needed by them")
