"""Fixtures for the ``praxcloud`` command: an ini file on fresh databases, a runner, plugins.

The commands are run in-process with click's CliRunner against an ini file
written to ``tmp_path``, exactly as an operator would run them against
development.ini; the same ini loaded with pyramid.paster gives a WebTest
app on the same databases to check what the commands did.
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
import webtest
from click.testing import CliRunner, Result
from pyramid.paster import get_app

from praxcloud.cli import cli
from praxcloud.testing import base_settings
from praxcloud.testing.postgres import postgres_settings

PASSWORD_ENV = "PRAXCLOUD_PASSWORD"


def write_ini(path: Path, settings: dict) -> Path:
    lines = ["[app:main]", "use = egg:praxcloud"]
    # configparser interpolates %(...)s: a literal % must be doubled.
    lines += [f"{key} = {str(value).replace('%', '%%')}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def cli_settings(tmp_path) -> dict:
    return base_settings(tmp_path)


@pytest.fixture
def ini(tmp_path, cli_settings) -> Path:
    return write_ini(tmp_path / "praxcloud.ini", cli_settings)


class Praxcloud:
    """Runs ``praxcloud -c INI ...`` in-process; the password variable unset unless given."""

    def __init__(self, ini: Path):
        self.ini = ini

    def __call__(
        self, *args: str, input: str | None = None, env: dict | None = None, config: bool = True
    ) -> Result:
        environment = {PASSWORD_ENV: None, "PRAXCLOUD_INI": None, **(env or {})}
        argv = ["-c", str(self.ini), *args] if config else list(args)
        # catch_exceptions=False: a traceback (a bug) fails the test loudly,
        # while click's own errors still end as an exit code.
        return CliRunner().invoke(cli, argv, input=input, env=environment, catch_exceptions=False)

    def ok(self, *args: str, **kwargs) -> Result:
        result = self(*args, **kwargs)
        assert result.exit_code == 0, result.output
        return result

    def fails(self, *args: str, code: int = 1, **kwargs) -> Result:
        result = self(*args, **kwargs)
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result


@pytest.fixture
def praxcloud(ini) -> Praxcloud:
    return Praxcloud(ini)


@pytest.fixture
def upgraded(praxcloud) -> Praxcloud:
    """The runner, after ``db upgrade`` made the platform database."""
    praxcloud.ok("db", "upgrade")
    return praxcloud


@pytest.fixture
def webapp(ini):
    """WebTest apps loaded from an ini file (by default the runner's), after the commands ran."""
    apps = []

    def make(path: Path | None = None) -> webtest.TestApp:
        app = get_app(str(path or ini))
        apps.append(app)
        return webtest.TestApp(
            app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}
        )

    yield make
    for app in apps:
        app.registry.tenancy.dispose()


def printed_password(output: str, email: str) -> str | None:
    """The password printed after ``E-mail: EMAIL`` by ``praxcloud demo``, if any."""
    match = re.search(rf"E-mail:\s+{re.escape(email)}\n\s+Password:\s+(\S+)", output)
    return match.group(1) if match else None


# A third-party plugin distribution, installed by putting its metadata on sys.path --------
PLUGIN_MODULES = {
    "clitest_plugin": '''
        import click

        from praxcloud.core.hookspecs import hookimpl


        @hookimpl
        def praxcloud_plugin_info():
            return {
                "name": "clitest",
                "description": "A plugin for the CLI tests",
                "settings_schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "greeting": {"type": "string", "default": "hello"},
                        "retries": {"type": "integer", "minimum": 0, "default": 3},
                        "api_key": {"type": "string", "writeOnly": True, "default": ""},
                    },
                },
            }


        @hookimpl
        def praxcloud_cli(group):
            @group.command("clitest-hello")
            def hello():
                """Say hello from the clitest plugin."""
                click.echo("hello from clitest")

            @group.command("tenant")
            def tenant():
                """Tries to replace a core command."""
    ''',
    "clitest_badcli": '''
        from praxcloud.core.hookspecs import hookimpl


        @hookimpl
        def praxcloud_plugin_info():
            return {"name": "clitestbadcli", "description": "Its CLI hook fails"}


        @hookimpl
        def praxcloud_cli(group):
            @group.command("clitest-partial")
            def partial():
                """Added before the failure: must not appear."""

            raise RuntimeError("the badcli plugin's commands are broken")
    ''',
    "clitest_broken": """
        raise ImportError("clitest_broken needs a library that is not installed")
    """,
}
ENTRY_POINTS = {
    "clitest": "clitest_plugin",
    "clitestbadcli": "clitest_badcli",
    "clitestbroken": "clitest_broken",
}


class PluginDistribution:
    def __init__(self, site: Path):
        self.site = site
        self.dist_info = site / "praxcloud_clitest-1.2.0.dist-info"

    def uninstall(self) -> None:
        shutil.rmtree(self.dist_info)
        for module in PLUGIN_MODULES:
            sys.modules.pop(module, None)


@pytest.fixture
def plugin_dist(tmp_path, monkeypatch) -> PluginDistribution:
    """Installs plugins clitest (working), clitestbadcli (CLI hook fails), clitestbroken."""
    site = tmp_path / "site"
    site.mkdir()
    for module, source in PLUGIN_MODULES.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))
    dist = PluginDistribution(site)
    dist.dist_info.mkdir()
    (dist.dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: praxcloud-clitest\nVersion: 1.2.0\n"
    )
    (dist.dist_info / "entry_points.txt").write_text(
        "[praxcloud.plugins]\n"
        + "".join(f"{name} = {module}\n" for name, module in ENTRY_POINTS.items())
    )
    monkeypatch.syspath_prepend(str(site))
    yield dist
    for module in PLUGIN_MODULES:
        sys.modules.pop(module, None)


# PostgreSQL -------------------------------------------------------------------------
@pytest.fixture
def pg_ini(tmp_path, postgres_platform_url, postgres_tenant_admin_url):
    """An ini on the real server: a fresh platform schema, tenants as databases and roles."""
    settings = {**base_settings(tmp_path),
                **postgres_settings(postgres_platform_url, postgres_tenant_admin_url)}
    # The session fixture drops every database and role with this prefix at the end.
    return write_ini(tmp_path / "postgres.ini", settings), settings["praxcloud.tenant_db_prefix"]
