"""The command itself: help without configuration, -c and PRAXCLOUD_INI, db upgrade."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from praxcloud.cli import cli

from .conftest import write_ini

COMMANDS = [
    [],
    ["db"],
    ["db", "upgrade"],
    ["tenant"],
    ["tenant", "create"],
    ["tenant", "list"],
    ["tenant", "suspend"],
    ["tenant", "resume"],
    ["tenant", "delete"],
    ["user"],
    ["user", "create"],
    ["user", "reset-password"],
    ["plugins"],
    ["plugins", "list"],
    ["plugins", "enable"],
    ["plugins", "disable"],
    ["plugins", "configure"],
    ["operator"],
    ["operator", "create"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_command_has_help_without_any_configuration(command):
    result = CliRunner().invoke(
        cli, [*command, "--help"], env={"PRAXCLOUD_INI": None}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: praxcloud")
    assert "Error" not in result.output


def test_root_help_lists_the_core_commands():
    result = CliRunner().invoke(cli, ["--help"], env={"PRAXCLOUD_INI": None})
    for name in ("db", "demo", "operator", "plugins", "tenant", "user"):
        assert f"  {name} " in result.output


def test_a_command_without_configuration_says_how_to_give_one(praxcloud):
    result = praxcloud.fails("tenant", "list", config=False, code=2)
    assert "no configuration file: pass -c INI (or set PRAXCLOUD_INI)" in result.stderr
    assert result.stdout == ""


def test_a_missing_ini_file_is_a_usage_error(praxcloud, tmp_path):
    result = CliRunner().invoke(cli, ["-c", str(tmp_path / "nope.ini"), "tenant", "list"])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_the_ini_can_come_from_praxcloud_ini(upgraded):
    result = upgraded.ok("tenant", "list", config=False, env={"PRAXCLOUD_INI": str(upgraded.ini)})
    assert result.output == "No tenants.\n"


def test_an_ini_that_cannot_be_loaded_is_reported_without_traceback(tmp_path, cli_settings):
    settings = dict(cli_settings)
    del settings["praxcloud.master_key"]
    ini = write_ini(tmp_path / "nokey.ini", settings)
    result = CliRunner().invoke(
        cli,
        ["-c", str(ini), "tenant", "list"],
        env={"PRAXCLOUD_MASTER_KEY": None},
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert f"could not load {ini}" in result.stderr
    assert "no master key" in result.stderr
    assert "Traceback" not in result.output


def test_help_with_a_broken_ini_still_lists_the_core_commands(tmp_path, cli_settings):
    settings = dict(cli_settings)
    del settings["praxcloud.master_key"]
    ini = write_ini(tmp_path / "nokey.ini", settings)
    result = CliRunner().invoke(
        cli, ["-c", str(ini), "--help"], env={"PRAXCLOUD_MASTER_KEY": None}, catch_exceptions=False
    )
    assert result.exit_code == 0
    assert "  tenant " in result.stdout
    assert "Warning: plugin commands unavailable" in result.stderr


def test_commands_before_db_upgrade_say_to_run_it(praxcloud):
    result = praxcloud.fails("tenant", "list")
    assert "database error" in result.stderr
    assert "praxcloud -c INI db upgrade" in result.stderr


def test_db_upgrade_makes_the_platform_database_and_is_repeatable(praxcloud, tmp_path):
    first = praxcloud.ok("db", "upgrade")
    assert (tmp_path / "platform.sqlite").exists()
    assert "Platform database: up to date." in first.stdout
    assert "Tenant databases: 0 of 0 up to date." in first.stdout
    again = praxcloud.ok("db", "upgrade")
    assert "Tenant databases: 0 of 0 up to date." in again.stdout


def test_db_upgrade_migrates_every_tenant_database(upgraded, cli_settings):
    from sqlalchemy import create_engine, inspect

    upgraded.ok("tenant", "create", "acme", "--name", "Acme")
    upgraded.ok("tenant", "create", "beta", "--name", "Beta")
    # Take one tenant's database back to an empty one, as if it predated the schema.
    path = f"{cli_settings['praxcloud.tenant_data_dir']}/beta.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        for table in inspect(connection).get_table_names():
            connection.exec_driver_sql(f'DROP TABLE "{table}"')
    result = upgraded.ok("db", "upgrade")
    assert "Tenant databases: 2 of 2 up to date." in result.stdout
    assert "Tenant databases" in result.stderr  # the progress bar's label
    with engine.connect() as connection:
        assert {"users", "groups", "records"} <= set(inspect(connection).get_table_names())
    engine.dispose()


def test_db_upgrade_reports_a_failing_tenant_and_upgrades_the_others(upgraded, cli_settings):
    from pathlib import Path

    upgraded.ok("tenant", "create", "acme", "--name", "Acme")
    upgraded.ok("tenant", "create", "beta", "--name", "Beta")
    Path(cli_settings["praxcloud.tenant_data_dir"], "beta.sqlite").write_bytes(b"not sqlite")
    result = upgraded.fails("db", "upgrade")
    assert "Tenant databases: 1 of 2 up to date." in result.stdout
    assert "  beta: " in result.stderr
    assert "1 tenant database(s) could not be upgraded" in result.stderr
