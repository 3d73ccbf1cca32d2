"""``praxcloud_plugin_settings_changed``: every way settings change tells the plugin, in the
transaction, and a plugin that raises refuses the change (fail closed)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from praxcloud.cli import cli, state
from praxcloud.core import contracts
from tests.console.admin_support import audit_events, console_login
from tests.plugin_host.conftest import entry_points
from tests.plugin_host.fixtures import settings_bystander, settings_recorder

pytestmark = pytest.mark.parametrize(
    "plugin_entry_points", [entry_points("settings_recorder", "settings_bystander")])

DEFAULTS = {"fields": ["users.email"], "mode": "apply"}


@pytest.fixture
def recorder(registry, tenant):
    """Both plugins enabled for acme with their defaults; nothing recorded yet."""
    contracts.enable(registry, "acme", "settings_recorder")
    contracts.enable(registry, "acme", "settings_bystander")
    settings_recorder.CALLS.clear()
    settings_bystander.CALLS.clear()
    yield settings_recorder.CALLS
    settings_recorder.CALLS.clear()
    settings_bystander.CALLS.clear()


@pytest.fixture
def praxcloud(app, monkeypatch, tmp_path):
    """``praxcloud -c INI ARGS`` run in-process on the test's own app (the ini is not read)."""
    monkeypatch.setattr(state, "load_app", lambda config_uri: app)
    ini = tmp_path / "unread.ini"
    ini.write_text("")

    def run(*args: str):
        return CliRunner().invoke(cli, ["-c", str(ini), *args], catch_exceptions=False)

    return run


def stored(registry) -> dict:
    return registry.plugin_host.tenant_settings(_tenant(registry), "settings_recorder")


def _tenant(registry):
    with registry.tenancy.platform_session() as platform_db:
        return registry.tenancy.find(platform_db, "acme")


def reencoded(registry) -> list[list[str]]:
    return [event["details"]["fields"]
            for event in audit_events(registry, "settings_recorder.reencoded")]


def test_cli_configure_tells_the_plugin_in_the_transaction(registry, recorder, praxcloud):
    result = praxcloud("plugins", "configure", "acme", "settings_recorder",
                       'fields=["users.email", "records.phone"]')
    assert result.exit_code == 0, result.output
    new = {"fields": ["users.email", "records.phone"], "mode": "apply"}
    assert recorder == [{"tenant": "acme", "plugin": "settings_recorder",
                         "old": DEFAULTS, "new": new, "tenant_holds_new": True}]
    assert stored(registry) == new
    # The plugin's own work in the tenant's database was committed with the change.
    assert reencoded(registry) == [["users.email", "records.phone"]]
    # Settings may hold secrets: the tenant's other plugins never hear of them.
    assert settings_bystander.CALLS == []


def test_cli_configure_refused_by_the_plugin_changes_nothing(registry, recorder, praxcloud):
    result = praxcloud("plugins", "configure", "acme", "settings_recorder", "mode=refuse",
                       'fields=["records.notes"]')
    assert result.exit_code == 1
    assert result.stderr == ("Error: plugin 'settings_recorder' refused the new settings: "
                             f"{settings_recorder.REFUSAL}\n")
    assert [call["new"]["mode"] for call in recorder] == ["refuse"]
    assert stored(registry) == DEFAULTS
    assert reencoded(registry) == []
    assert audit_events(registry, "plugin.configure") == []


def test_console_form_tells_the_plugin(testapp, registry, recorder):
    console_login(testapp, registry, "admin@acme.test")
    form = testapp.get("/acme/plugins").forms["plugin-form-settings_recorder"]
    form["setting.fields"] = "users.email\nrecords.notes\n"
    page = form.submit().maybe_follow()
    assert "Settings of settings_recorder saved." in page.text
    new = {"fields": ["users.email", "records.notes"], "mode": "apply"}
    assert recorder == [{"tenant": "acme", "plugin": "settings_recorder",
                         "old": DEFAULTS, "new": new, "tenant_holds_new": True}]
    assert stored(registry) == new
    assert reencoded(registry) == [["users.email", "records.notes"]]


def test_console_form_refused_by_the_plugin_shows_why(testapp, registry, recorder):
    console_login(testapp, registry, "admin@acme.test")
    form = testapp.get("/acme/plugins").forms["plugin-form-settings_recorder"]
    form["setting.fields"] = "records.notes\n"
    form["setting.mode"] = "refuse"
    page = form.submit(status=422)
    assert settings_recorder.REFUSAL in page.text
    assert len(recorder) == 1
    assert stored(registry) == DEFAULTS
    assert reencoded(registry) == []


def test_enabling_is_not_a_change_of_settings(registry, tenant):
    settings_recorder.CALLS.clear()
    contracts.enable(registry, "acme", "settings_recorder", {"fields": []})
    assert settings_recorder.CALLS == []
