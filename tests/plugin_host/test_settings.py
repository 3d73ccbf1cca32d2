"""Per-plugin settings: validated against the plugin's schema, secrets never shown back."""

from __future__ import annotations

import pytest

from praxcloud.core.models import Tenant, TenantPlugin
from praxcloud.core.plugins import SECRET_MASK, PluginError, PluginHost
from tests.plugin_host.conftest import entry_points


@pytest.fixture
def host() -> PluginHost:
    host = PluginHost()
    host.load_entry_points(entry_points("menu_x", "menu_y"))
    return host


def errors_of(host, name, settings) -> dict[str, str]:
    with pytest.raises(PluginError) as caught:
        host.validate_settings(name, settings)
    return caught.value.fields


def test_defaults_are_merged(host):
    assert host.validate_settings("menu_x", {"api_key": "k" * 12}) == {
        "label": "X", "limit": 5, "api_key": "k" * 12}
    assert host.validate_settings("menu_x", {"limit": 9}) == {"label": "X", "limit": 9}
    # A plugin without a schema takes no settings but accepts the empty set.
    assert host.validate_settings("menu_y", {}) == {}


def test_wrong_types_and_unknown_keys_are_reported_per_field(host):
    fields = errors_of(host, "menu_x", {"label": 3, "limit": "many", "colour": "red", "size": 2})
    assert sorted(fields) == ["colour", "label", "limit", "size"]
    assert fields["colour"] == fields["size"] == "unknown setting"
    # In words, as the API's field messages (schema_messages), never quoting the value.
    assert fields["label"] == "must be text"
    assert fields["limit"] == "must be a whole number"
    assert errors_of(host, "menu_x", {"limit": 0})["limit"] == "must be at least 1"


def test_required_settings_are_named():
    host = PluginHost()

    class Needs:
        @staticmethod
        def praxcloud_plugin_info():
            return {"settings_schema": {"type": "object", "required": ["url", "realm"],
                                        "properties": {"url": {"type": "string"},
                                                       "realm": {"type": "string"}}}}

    from praxcloud.core.hookspecs import hookimpl

    Needs.praxcloud_plugin_info = staticmethod(hookimpl(Needs.praxcloud_plugin_info))
    assert host.register_plugin(Needs, "needs")
    assert errors_of(host, "needs", {"url": "ldap://x"}) == {"realm": "this setting is required"}


def test_a_secret_never_appears_in_an_error_message(host):
    for bad in ("short", 12345678901):
        message = errors_of(host, "menu_x", {"api_key": bad})["api_key"]
        assert str(bad) not in message


def test_public_settings_mask_secrets(host):
    info = host.info("menu_x")
    shown = info.public_settings({"label": "X", "limit": 5, "api_key": "very-secret-key"})
    assert shown == {"label": "X", "limit": 5, "api_key": SECRET_MASK}


def test_settings_must_be_an_object(host):
    assert errors_of(host, "menu_x", ["label"]) == {"settings": "must be an object"}


def test_tenant_settings_fill_in_defaults_added_since_enabling(host):
    tenant = Tenant(slug="acme", plugins=[TenantPlugin(plugin="menu_x", settings={"label": "Z"})])
    assert host.tenant_settings(tenant, "menu_x") == {"label": "Z", "limit": 5}


def test_unknown_and_broken_plugins_cannot_be_configured(host):
    with pytest.raises(PluginError, match="no plugin named"):
        host.validate_settings("nope", {})
    host.mark_broken("menu_y", "broken on purpose")
    with pytest.raises(PluginError, match="broken"):
        host.validate_settings("menu_y", {})
