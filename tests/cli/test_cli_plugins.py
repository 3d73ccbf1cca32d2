"""``praxcloud plugins ...`` and plugin commands, with a plugin distribution on sys.path."""

from __future__ import annotations

import importlib.metadata
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from praxcloud.cli import cli
from praxcloud.core.models import AuditEvent, PlatformAuditEvent

PLUGINS = ("clitest", "clitestbadcli", "clitestbroken")


@pytest.fixture
def acme(upgraded):
    upgraded.ok("tenant", "create", "acme", "--name", "Acme Care")
    return upgraded


def report(praxcloud, *args) -> dict:
    return json.loads(praxcloud.ok("plugins", "list", "--json", *args).stdout)


def test_list_shows_every_installed_plugin_of_the_environment(upgraded):
    data = report(upgraded)
    listed = {p["name"] for p in data["installed"]} | {p["name"] for p in data["broken"]}
    installed = {ep.name for ep in importlib.metadata.entry_points(group="praxcloud.plugins")}
    assert listed == installed
    assert data["builtin"] == ["core.local_auth", "core.mfa_policy"]
    assert data["missing"] == []
    assert "tenant" not in data


def test_list_json_shows_installed_and_broken_plugins(acme, plugin_dist):
    acme.ok("plugins", "enable", "acme", "clitest")
    data = report(acme)
    clitest = next(p for p in data["installed"] if p["name"] == "clitest")
    assert clitest == {
        "name": "clitest",
        "version": "1.2.0",
        "distribution": "praxcloud-clitest",
        "description": "A plugin for the CLI tests",
        "hooks": ["praxcloud_cli", "praxcloud_plugin_info"],
        "tenants": ["acme"],
    }
    broken = next(p for p in data["broken"] if p["name"] == "clitestbroken")
    assert "clitest_broken needs a library that is not installed" in broken["error"]
    assert broken["tenants"] == []


def test_list_text(acme, plugin_dist):
    acme.ok("plugins", "enable", "acme", "clitest", "api_key=s3cret-value")
    out = acme.ok("plugins", "list", "--tenant", "acme").stdout
    assert "  clitest 1.2.0 (praxcloud-clitest)\n      A plugin for the CLI tests\n" in out
    assert "      hooks: praxcloud_cli, praxcloud_plugin_info\n      enabled by: acme\n" in out
    assert "Built into the core: core.local_auth, core.mfa_policy\n" in out
    assert "Broken plugins (tenants that enable them are refused):\n  clitestbroken" in out
    assert "clitest_broken needs a library that is not installed" in out
    assert "Tenant 'acme' (active) enables:\n  clitest\n" in out
    assert "    api_key = '********'\n    greeting = 'hello'\n    retries = 3\n" in out
    assert "s3cret-value" not in out


def test_enable_configure_and_disable(acme, plugin_dist, webapp):
    enabled = acme.ok("plugins", "enable", "acme", "clitest", "retries=5", "api_key=k-123")
    assert enabled.stdout == (
        "Enabled plugin 'clitest' for tenant 'acme' with settings:\n"
        "  api_key = '********'\n  greeting = 'hello'\n  retries = 5\n"
    )
    contract = report(acme, "--tenant", "acme")["tenant"]
    assert contract["slug"] == "acme"
    [line] = contract["plugins"]
    assert (line["name"], line["state"]) == ("clitest", "ok")
    assert line["settings"] == {"api_key": "********", "greeting": "hello", "retries": 5}
    assert json.loads(acme.ok("tenant", "list", "--json").stdout)[0]["plugins"] == ["clitest"]

    configured = acme.ok("plugins", "configure", "acme", "clitest", "greeting=good day")
    assert configured.stdout == (
        "Configured plugin 'clitest' for tenant 'acme':\n"
        "  api_key = '********'\n  greeting = 'good day'\n  retries = 5\n"
    )
    registry = webapp().app.registry
    with registry.tenancy.platform_session() as platform_db:
        tenant = registry.tenancy.find(platform_db, "acme")
        # The secret is stored, only the display masks it.
        assert tenant.plugin_settings("clitest")["api_key"] == "k-123"

    assert acme.ok("plugins", "disable", "acme", "clitest").stdout == (
        "Disabled plugin 'clitest' for tenant 'acme'.\n"
    )
    assert report(acme, "--tenant", "acme")["tenant"]["plugins"] == []
    with registry.tenancy.platform_session() as platform_db:
        events = [e.event for e in platform_db.scalars(select(PlatformAuditEvent))]
    assert events[-3:] == ["plugin.enable", "plugin.configure", "plugin.disable"]
    with registry.tenancy.tenant_transaction(tenant) as tenant_db:
        trail = [(e.event, e.actor) for e in tenant_db.scalars(select(AuditEvent))]
    assert [event for event, _ in trail] == ["plugin.enable", "plugin.configure", "plugin.disable"]
    assert all(actor.startswith("cli") for _, actor in trail)


def test_invalid_settings_are_listed_field_by_field(acme, plugin_dist):
    result = acme.fails("plugins", "enable", "acme", "clitest", "retries=-1", "colour=red")
    assert result.stderr.startswith("Error: invalid settings for plugin 'clitest'\n")
    assert "  colour: " in result.stderr
    assert "  retries: must be at least 0\n" in result.stderr
    result = acme.fails("plugins", "enable", "acme", "clitest", "retries=many")
    assert (
        result.stderr
        == "Error: retries: 'many' is not a valid integer\n  retries: not a valid integer\n"
    )
    result = acme.fails("plugins", "enable", "acme", "clitest", "retries")
    assert result.stderr == "Error: expected KEY=VALUE, got 'retries'\n"
    assert report(acme, "--tenant", "acme")["tenant"]["plugins"] == []

    acme.ok("plugins", "enable", "acme", "clitest")
    result = acme.fails("plugins", "configure", "acme", "clitest", "retries=-2")
    assert "  retries: must be at least 0" in result.stderr
    [line] = report(acme, "--tenant", "acme")["tenant"]["plugins"]
    assert line["settings"]["retries"] == 3
    result = acme.fails("plugins", "configure", "acme", "clitest", code=2)
    assert "Missing argument 'KEY=VALUE...'" in result.stderr


def test_contract_errors(acme, plugin_dist):
    result = acme.fails("plugins", "enable", "acme", "nosuch")
    assert result.stderr == "Error: no plugin named 'nosuch' is installed\n"
    result = acme.fails("plugins", "enable", "acme", "clitestbroken")
    assert result.stderr == "Error: plugin 'clitestbroken' is installed but broken\n"
    result = acme.fails("plugins", "enable", "nope", "clitest")
    assert result.stderr == "Error: no tenant named 'nope'\n"
    result = acme.fails("plugins", "disable", "acme", "clitest")
    assert result.stderr == "Error: plugin 'clitest' is not enabled for 'acme'\n"
    result = acme.fails("plugins", "configure", "acme", "clitest", "retries=1")
    assert result.stderr == "Error: plugin 'clitest' is not enabled for 'acme'\n"
    acme.ok("plugins", "enable", "acme", "clitest")
    result = acme.fails("plugins", "enable", "acme", "clitest")
    assert result.stderr == "Error: plugin 'clitest' is already enabled for 'acme'\n"
    result = acme.fails("plugins", "list", "--tenant", "nope")
    assert result.stderr == "Error: no tenant named 'nope'\n"


def test_uninstalled_plugin_is_shown_missing_with_settings_masked(acme, plugin_dist):
    acme.ok("plugins", "enable", "acme", "clitest", "greeting=hi")
    plugin_dist.uninstall()
    data = report(acme, "--tenant", "acme")
    assert data["missing"] == [{"name": "clitest", "tenants": ["acme"]}]
    [line] = data["tenant"]["plugins"]
    assert line["state"] == "not installed"
    # Without its schema nothing says which settings are secret: all are masked.
    assert set(line["settings"].values()) == {"********"}
    text = acme.ok("plugins", "list", "--tenant", "acme").stdout
    assert "Enabled in contracts but not installed (those tenants are refused):\n" in text
    assert "  clitest [not installed]\n" in text
    result = acme.fails("user", "create", "acme", "a@acme.test", "--group", "admin")
    assert "a security feature of this institution is unavailable" in result.stderr
    assert "see `praxcloud plugins list --tenant SLUG`" in result.stderr
    result = acme.fails("db", "upgrade")
    assert "acme: enabled plugins are broken or not installed" in result.stderr
    assert "Tenant databases: 0 of 1 up to date." in result.stdout


def test_plugin_commands_appear_once_the_ini_is_known(upgraded, plugin_dist):
    with_ini = upgraded.ok("--help")
    assert "  clitest-hello " in with_ini.stdout
    assert "clitest-partial" not in with_ini.stdout
    assert (
        "Warning: plugin 'clitestbadcli' could not add its commands: "
        "RuntimeError: the badcli plugin's commands are broken" in with_ini.stderr
    )
    assert "plugin 'clitest' command 'tenant' is ignored: the core already has" in with_ini.stderr

    without = CliRunner().invoke(cli, ["--help"], env={"PRAXCLOUD_INI": None})
    assert without.exit_code == 0
    assert "clitest-hello" not in without.output

    assert upgraded.ok("clitest-hello").stdout == "hello from clitest\n"
    # The core's command is not replaced by the plugin's.
    assert upgraded.ok("tenant", "list").stdout == "No tenants.\n"
    result = upgraded.fails("clitest-partial", code=2)
    assert "No such command 'clitest-partial'" in result.stderr


def test_plugin_commands_from_praxcloud_ini(upgraded, plugin_dist):
    result = upgraded.ok("clitest-hello", config=False, env={"PRAXCLOUD_INI": str(upgraded.ini)})
    assert "hello from clitest" in result.stdout


class Interrupted(Exception):
    """Stands for the process dying between two committed batches of a field move."""


def interrupt_moves(monkeypatch) -> None:
    from praxcloud.core import key_rotation

    def dies(db, model, rows):
        raise Interrupted
    monkeypatch.setattr(key_rotation, "_store_again", dies)


@pytest.mark.parametrize(("command", "action", "rerun"), [
    (("plugins", "enable", "acme", "field_encryption"), "enable",
     "praxcloud plugins enable acme field_encryption"),
    (("plugins", "disable", "acme", "field_encryption"), "disable",
     "praxcloud plugins disable acme field_encryption"),
    (("plugins", "configure", "acme", "field_encryption", 'fields=["users.email"]'),
     "configure", "praxcloud keys rotate --tenant acme --finish"),
])
def test_list_shows_an_unfinished_field_move_and_the_command_that_finishes_it(
        acme, webapp, monkeypatch, command, action, rerun):
    acme.ok("user", "create", "acme", "staff@acme.test", "--group", "staff",
            env={"PRAXCLOUD_PASSWORD": "a long enough passphrase"})
    if action != "enable":
        acme.ok("plugins", "enable", "acme", "field_encryption")
    assert report(acme, "--tenant", "acme")["pending_moves"] == []

    interrupt_moves(monkeypatch)
    with pytest.raises(Interrupted):
        acme(*command)
    monkeypatch.undo()

    data = report(acme, "--tenant", "acme")
    assert data["pending_moves"] == [
        {"tenant": "acme", "plugin": "field_encryption", "action": action, "rerun": rerun}]
    [line] = data["tenant"]["plugins"]
    assert (line["name"], line["pending_move"]) == ("field_encryption", action)
    text = acme.ok("plugins", "list", "--tenant", "acme").stdout
    assert ("Unfinished field moves (stored values partly moved; the command shown finishes "
            f"each):\n  acme: field_encryption {action}: {rerun}\n") in text
    assert f"  field_encryption [unfinished {action}]\n" in text

    # The command shown finishes the move, and the list stops showing it.
    acme.ok(*rerun.split()[1:])
    data = report(acme, "--tenant", "acme")
    assert data["pending_moves"] == []
    assert [line["pending_move"] for line in data["tenant"]["plugins"]] == (
        [] if action == "disable" else [None])
    assert "Unfinished field moves" not in acme.ok("plugins", "list").stdout
    webapp().post_json("/api/v1/acme/auth/login", {
        "email": "staff@acme.test", "password": "a long enough passphrase"}, status=200)
