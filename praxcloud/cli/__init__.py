"""The ``praxcloud`` command: databases, tenants, users, plugins, operators, demo data.

``praxcloud --help`` works without any configuration: the application is
loaded from the ini named by ``-c`` (or ``PRAXCLOUD_INI``) only when a
command needs it, and plugin commands (the ``praxcloud_cli`` hook) are
listed once that ini is known. Errors a user can cause are printed on
stderr with a non-zero exit, never as a traceback.
"""

from __future__ import annotations

import click

from .db import db_group
from .demo import demo
from .errors import friendly_errors
from .keys import keys_group
from .operators import operator_group
from .plugins import plugins_group
from .scaffold import plugin_group
from .state import CliState
from .tenants import tenant_group
from .users import user_group


class PraxcloudGroup(click.Group):
    """The root group: the core's commands, then those plugins add once ``-c`` is known."""

    def _plugin_commands(self, ctx: click.Context, listing: bool) -> dict[str, click.Command]:
        state = CliState.of(ctx)
        if state.config_uri is None:
            return {}
        try:
            return state.plugin_commands(reserved=set(self.commands))
        except click.ClickException as exc:
            if not listing:
                raise
            # Help must still show the core's commands when the ini is broken.
            click.echo(f"Warning: plugin commands unavailable: {exc.format_message()}", err=True)
            return {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugin_commands(ctx, listing=True)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        return self._plugin_commands(ctx, listing=False).get(cmd_name)

    def invoke(self, ctx: click.Context):
        with friendly_errors():
            return super().invoke(ctx)


@click.group(
    "praxcloud", cls=PraxcloudGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
# Eager, so that `praxcloud -c INI --help` knows the ini when --help lists
# the commands, plugin commands included.
@click.option(
    "-c",
    "--config",
    envvar="PRAXCLOUD_INI",
    metavar="INI",
    is_eager=True,
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    help="The PasteDeploy ini file (e.g. development.ini); default: $PRAXCLOUD_INI.",
)
def cli(config: str | None) -> None:
    """Run and administer PraxCloud: databases, tenants, users, plugins."""


cli.add_command(db_group)
cli.add_command(tenant_group)
cli.add_command(user_group)
cli.add_command(plugins_group)
cli.add_command(plugin_group)
cli.add_command(operator_group)
cli.add_command(keys_group)
cli.add_command(demo)


def main(argv: list[str] | None = None) -> None:
    """The console script ``praxcloud``."""
    cli.main(args=argv, prog_name="praxcloud")
