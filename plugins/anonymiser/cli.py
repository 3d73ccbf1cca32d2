"""``praxcloud anonymise --tenant T [--dry-run]`` and ``praxcloud erase --tenant T
(--record ID | --email E)``: what operators script against.

Every failure ends with a one-line reason on stderr and a non-zero exit.
"""

from __future__ import annotations

import click

from praxcloud.plugin import PraxError, current_registry, tenant_request

from . import erasure, policy
from .config import NAME


def _enabled(request, slug: str) -> None:
    if NAME not in request.tenant.enabled_plugins:
        raise click.ClickException(f"tenant {slug!r} does not enable the {NAME} plugin")


def report_lines(run) -> list[str]:
    lines = [f"Policy version {run.policy_version}; records without activity since "
             f"{run.cutoff:%Y-%m-%d %H:%M} UTC: {run.records}"]
    lines += [f"  {name}: {count}" for name, count in sorted(run.counts.items())]
    if run.sample_ids:
        lines.append("Sample record ids: " + ", ".join(map(str, run.sample_ids)))
    return lines


def add_commands(group: click.Group) -> None:
    @group.command("anonymise")
    @click.option("--tenant", "slug", required=True, help="The tenant's slug.")
    @click.option("--dry-run", is_flag=True,
                  help="Count what would be anonymised (per field, sample ids); change nothing.")
    @click.option("--batch-size", type=click.IntRange(1, 100_000), default=policy.BATCH_SIZE,
                  show_default=True, help="Records per transaction.")
    def anonymise(slug: str, dry_run: bool, batch_size: int) -> None:
        """Apply TENANT's retention policy now (a dry run must be seen first)."""
        registry = current_registry()
        try:
            with tenant_request(registry, slug) as request:
                _enabled(request, slug)
                if dry_run:
                    run = policy.dry_run(request, "cli")
                    click.echo("Dry run: nothing was changed.")
                    for line in report_lines(run):
                        click.echo(line)
                    return
                run = _run_with_progress(request, batch_size)
                done = f"Anonymised {run.records} records (policy version {run.policy_version})."
        except PraxError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(done)

    @group.command("erase")
    @click.option("--tenant", "slug", required=True, help="The tenant's slug.")
    @click.option("--record", "record_id", type=int, help="A record about the person.")
    @click.option("--email", help="The person's e-mail address.")
    def erase(slug: str, record_id: int | None, email: str | None) -> None:
        """Erase one person from TENANT everywhere (right to be forgotten); print the receipt."""
        if (record_id is None) == (email is None):
            raise click.UsageError("give exactly one of --record and --email")
        registry = current_registry()
        try:
            with tenant_request(registry, slug) as request:
                _enabled(request, slug)
                receipt = erasure.erase(request, record_id=record_id, email=email, by="cli")
                lines = receipt_lines(receipt)
        except PraxError as exc:
            raise click.ClickException(exc.message) from None
        for line in lines:
            click.echo(line)


def receipt_lines(receipt) -> list[str]:
    counts = receipt.counts
    lines = [f"Receipt {receipt.id}: erased at {receipt.at:%Y-%m-%d %H:%M:%S} UTC by "
             f"{receipt.by} (by {receipt.mode})"]
    for key in ("records", "users", "sessions", "audit_events"):
        lines.append(f"  {key}: {counts.get(key, 0)}")
    for table, count in sorted(counts.get("plugin_rows", {}).items()):
        lines.append(f"  {table}: {count}")
    return lines


def _run_with_progress(request, batch_size: int):
    """The run, with a progress bar on stderr (rich's when installed, else click's)."""
    policy.require_dry_run(request, "cli")
    total = policy.eligible_count(request)
    try:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    except ImportError:  # rich comes with the test extra; click's bar does without it
        with click.progressbar(length=total, label="Anonymising", file=click.get_text_stream(
                "stderr")) as bar:
            return policy.run(request, "cli", batch_size=batch_size, progress=bar.update)
    with Progress(TextColumn("Anonymising"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True)) as bar:
        task = bar.add_task("records", total=total)
        return policy.run(request, "cli", batch_size=batch_size,
                          progress=lambda done: bar.advance(task, done))
