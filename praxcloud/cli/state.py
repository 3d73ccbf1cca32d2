"""The application behind a command, loaded from the ini file only when a command needs it.

``praxcloud --help`` must work on a machine with no configuration, so the
root group never loads anything itself: commands (and the lookup of plugin
commands) ask :class:`CliState` for the registry, which reads the ini named
by ``-c`` / ``PRAXCLOUD_INI`` the first time and keeps it for the rest of
the invocation.
"""

from __future__ import annotations

import logging

import click

log = logging.getLogger(__name__)

STATE_KEY = "praxcloud.cli.state"


class CliState:
    def __init__(self, config_uri: str | None):
        self.config_uri = config_uri
        self._app = None
        self._load_error: click.ClickException | None = None
        self._plugin_commands: dict[str, click.Command] | None = None

    @classmethod
    def of(cls, ctx: click.Context) -> CliState:
        """The state of this invocation, made on first use from the root's ``-c`` value."""
        root = ctx.find_root()
        state = root.meta.get(STATE_KEY)
        if state is None:
            state = cls(root.params.get("config"))
            root.meta[STATE_KEY] = state
            root.call_on_close(state.close)
        return state

    @property
    def app(self):
        if self._load_error is not None:
            raise self._load_error
        if self._app is None:
            try:
                self._app = load_app(self.config_uri)
            except click.ClickException as exc:
                # Remembered so that help listings do not retry and repeat the message.
                self._load_error = exc
                raise
        return self._app

    @property
    def registry(self):
        return self.app.registry

    def plugin_commands(self, reserved: set[str]) -> dict[str, click.Command]:
        if self._plugin_commands is None:
            self._plugin_commands = collect_plugin_commands(self.registry.plugin_host, reserved)
        return self._plugin_commands

    def close(self) -> None:
        if self._app is not None:
            tenancy = getattr(self._app.registry, "tenancy", None)
            if tenancy is not None:
                tenancy.dispose()


def load_app(config_uri: str | None):
    """The WSGI app of ``config_uri`` with logging set up as its ini says."""
    if not config_uri:
        raise click.UsageError(
            "no configuration file: pass -c INI (or set PRAXCLOUD_INI), e.g. -c development.ini"
        )
    from pyramid.paster import get_app, setup_logging

    try:
        setup_logging(config_uri)
        app = get_app(config_uri)
    except Exception as exc:
        # A bad ini, a missing secret or an unreachable database is the
        # operator's to fix: say what failed, keep the traceback for -v logs.
        log.debug("loading %s failed", config_uri, exc_info=True)
        raise click.ClickException(
            f"could not load {config_uri}: {type(exc).__name__}: {exc}"
        ) from exc
    if getattr(app, "registry", None) is None:
        raise click.ClickException(
            f"{config_uri}: [app:main] is not the PraxCloud application (use = egg:praxcloud)"
        )
    return app


def collect_plugin_commands(host, reserved: set[str]) -> dict[str, click.Command]:
    """Each plugin's ``praxcloud_cli`` commands; a plugin that fails is named and skipped.

    Every plugin adds to a group of its own, so one that fails half-way
    leaves nothing behind, and none can replace a core command or another
    plugin's.
    """
    found: dict[str, click.Command] = {}
    owners: dict[str, str] = {}
    for impl in reversed(host.hook.praxcloud_cli.get_hookimpls()):
        plugin = impl.plugin_name
        collector = click.Group(name="praxcloud")
        try:
            impl.function(group=collector)
        except Exception as exc:
            log.debug("plugin %s failed in praxcloud_cli", plugin, exc_info=True)
            click.echo(
                f"Warning: plugin {plugin!r} could not add its commands: "
                f"{type(exc).__name__}: {exc}",
                err=True,
            )
            continue
        for name, command in sorted(collector.commands.items()):
            if name in reserved or name in found:
                other = "the core" if name in reserved else f"plugin {owners[name]!r}"
                click.echo(
                    f"Warning: plugin {plugin!r} command {name!r} is ignored: "
                    f"{other} already has a command of that name",
                    err=True,
                )
                continue
            found[name] = command
            owners[name] = plugin
    return found


def current_state() -> CliState:
    return CliState.of(click.get_current_context())


def current_registry():
    """The registry of the application named by ``-c``, loaded on first use."""
    return current_state().registry
