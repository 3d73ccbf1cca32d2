"""``praxcloud plugin new NAME``: start a plugin of one's own from the scaffold.

Needs no ini: it only writes files (see :mod:`praxcloud.scaffold`). The
installed plugins and tenants' contracts are ``praxcloud plugins ...``.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..scaffold import ScaffoldError, new_plugin


@click.group("plugin")
def plugin_group() -> None:
    """Write a new plugin's code (installed plugins: `praxcloud plugins`)."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--directory", type=click.Path(path_type=Path), default=None,
              help="The folder to write, which must not exist yet "
                   "(default: praxcloud-NAME in the current folder).")
def new(name: str, directory: Path | None) -> None:
    """Write plugin NAME as a complete distribution: settings, a tenant table and its
    migration, an API endpoint in the OpenAPI document, a console page, a Celery task
    and passing tests.

    NAME is a lower-case Python identifier (letters, digits, underscores), not
    a plugin installed here and not one of the core's paths.
    """
    try:
        target = new_plugin(name, directory)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote plugin {name!r} to {target}. Next:")
    click.echo(f"  cd {target}")
    click.echo('  pip install -e ".[test]"       # into this PraxCloud environment')
    click.echo("  python -m pytest                # its tests pass as generated")
    click.echo(f"  praxcloud -c development.ini plugins enable SLUG {name}")
    click.echo("and restart PraxCloud. README.md there says what each file is.")
