"""The tenant administrators' plugin settings page, with a plugin registered in-process."""

from __future__ import annotations

import types

import pytest

from praxcloud.core import contracts
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.plugins import PluginInfo
from praxcloud.core.scripting import tenant_request
from tests.console.admin_support import audit_events, console_login

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10, "default": 3,
                         "description": "Attempts before the lock."},
        "notify_admins": {"type": "boolean", "default": False,
                          "description": "Mail the administrators."},
        "mode": {"type": "string", "enum": ["log", "block"], "default": "log",
                 "description": "What to do on a match."},
        "api_key": {"type": "string", "writeOnly": True, "default": "",
                    "description": "Key of the outside service."},
        "allowed_domains": {"type": "array", "items": {"type": "string"}, "default": []},
        "channels": {"type": "array", "items": {"type": "string", "enum": ["mail", "sms"]},
                     "default": ["mail"]},
        "threshold": {"type": "number", "minimum": 0, "default": 0.5},
        "routing": {"type": "object", "default": {"zone": "eu"}},
    },
}


def make_plugin_module():
    module = types.ModuleType("demo_guard")

    @hookimpl
    def praxcloud_plugin_info():
        return {"name": "demo_guard", "version": "1.2.0",
                "description": "A guard used by the console tests.", "settings_schema": SCHEMA}

    module.praxcloud_plugin_info = praxcloud_plugin_info
    return module


@pytest.fixture
def demo_plugin(registry, tenant):
    """Plugin demo_guard installed in this process and enabled for acme with an API key."""
    host = registry.plugin_host
    module = make_plugin_module()
    host.pm.register(module, name="demo_guard")
    host.infos["demo_guard"] = PluginInfo(
        name="demo_guard", version="1.2.0", description="A guard used by the console tests.",
        settings_schema=SCHEMA, hooks=["praxcloud_plugin_info"])
    host._tenant_hooks.clear()
    contracts.enable(registry, "acme", "demo_guard", {"api_key": "s3cr3t-value"},
                     actor="operator@platform.test")
    return "demo_guard"


def stored_settings(registry, name="demo_guard"):
    with tenant_request(registry, "acme") as request:
        return request.tenant.plugin_settings(name)


def test_plugins_page_shows_enabled_plugin_with_generated_form(testapp, registry, demo_plugin):
    console_login(testapp, registry, "admin@acme.test")
    page = testapp.get("/acme/plugins")
    assert "platform operators" in page.text
    assert "A guard used by the console tests." in page.text
    form = page.forms["plugin-form-demo_guard"]
    assert form["setting.max_attempts"].value == "3"
    assert form["setting.mode"].value == "log"
    assert form["setting.mode"].options == [("log", True, "log"), ("block", False, "block")]
    assert form["setting.notify_admins"].checked is False
    # The secret never reaches the browser.
    assert form["setting.api_key"].value == ""
    assert "s3cr3t-value" not in page.text
    assert "A value is stored" in page.text
    assert "Attempts before the lock." in page.text
    assert [box.checked for box in form.fields["setting.channels"]] == [True, False]
    assert form["setting.threshold"].value == "0.5"
    # An object is shown, not edited here.
    assert "setting.routing" not in form.fields
    assert '{"zone": "eu"}' in page.html.find(id="demo_guard--routing").get_text()


def test_save_settings_keeps_secret_when_left_empty(testapp, registry, demo_plugin):
    console_login(testapp, registry, "admin@acme.test")
    form = testapp.get("/acme/plugins").forms["plugin-form-demo_guard"]
    form["setting.max_attempts"] = "5"
    form["setting.notify_admins"] = True
    form["setting.mode"] = "block"
    form["setting.allowed_domains"] = "example.org\n\nexample.net\n"
    form.get("setting.channels", index=1).checked = True
    form["setting.threshold"] = "0.75"
    page = form.submit().maybe_follow()
    assert "Settings of demo_guard saved." in page.text
    assert stored_settings(registry) == {
        "max_attempts": 5, "notify_admins": True, "mode": "block", "api_key": "s3cr3t-value",
        "allowed_domains": ["example.org", "example.net"], "channels": ["mail", "sms"],
        "threshold": 0.75, "routing": {"zone": "eu"}}
    configured = audit_events(registry, "plugin.configure")[-1]
    assert configured["actor"] == "admin@acme.test"
    assert configured["details"]["plugin"] == "demo_guard"
    assert "s3cr3t-value" not in str(audit_events(registry))


def test_new_secret_replaces_old(testapp, registry, demo_plugin):
    console_login(testapp, registry, "admin@acme.test")
    form = testapp.get("/acme/plugins").forms["plugin-form-demo_guard"]
    form["setting.api_key"] = "brand-new-key"
    form.submit(status=303)
    assert stored_settings(registry)["api_key"] == "brand-new-key"


def test_schema_errors_shown_by_field_and_nothing_saved(testapp, registry, demo_plugin):
    console_login(testapp, registry, "admin@acme.test")
    before = stored_settings(registry)
    form = testapp.get("/acme/plugins").forms["plugin-form-demo_guard"]
    form["setting.max_attempts"] = "50"
    form["setting.mode"] = "block"
    form["setting.api_key"] = "should-not-stick"
    page = form.submit(status=422)
    message = page.html.find(id="error-demo_guard--max_attempts").get_text()
    # The limit in words, never the value typed (schema_messages).
    assert message.strip().rstrip(".").lower() == "must be at most 10"
    # What was typed stays in the form, the secret excepted.
    again = page.forms["plugin-form-demo_guard"]
    assert again["setting.max_attempts"].value == "50"
    assert again["setting.mode"].value == "block"
    assert again["setting.api_key"].value == ""
    assert "should-not-stick" not in page.text
    assert stored_settings(registry) == before


def test_unreadable_number_is_a_form_error(testapp, registry, demo_plugin):
    console_login(testapp, registry, "admin@acme.test")
    form = testapp.get("/acme/plugins").forms["plugin-form-demo_guard"]
    form["setting.max_attempts"] = "three"
    page = form.submit(status=422)
    assert "whole number" in page.html.find(id="error-demo_guard--max_attempts").get_text()
    assert stored_settings(registry)["max_attempts"] == 3


def test_tampered_enum_value_is_refused(testapp, registry, demo_plugin):
    console_login(testapp, registry, "admin@acme.test")
    page = testapp.get("/acme/plugins")
    token = page.forms["plugin-form-demo_guard"]["csrf_token"].value
    answer = testapp.post("/acme/plugins/demo_guard", {
        "csrf_token": token, "setting.max_attempts": "3", "setting.mode": "explode"}, status=422)
    assert "Choose one of the options." in answer.text
    assert stored_settings(registry)["mode"] == "log"


def test_plugin_not_in_contract_is_404(testapp, registry, demo_plugin):
    console_login(testapp, registry, "admin@acme.test")
    token = testapp.get("/acme/plugins").forms["plugin-form-demo_guard"]["csrf_token"].value
    testapp.post("/acme/plugins/core.local_auth", {"csrf_token": token}, status=404)
    testapp.post("/acme/plugins/not-installed", {"csrf_token": token}, status=404)
    testapp.get("/acme/plugins/not-installed", status=404)
    assert testapp.get("/acme/plugins/demo_guard", status=303).location.endswith(
        "/acme/plugins#plugin-demo_guard")


def test_plugin_without_settings(testapp, registry, demo_plugin):
    host = registry.plugin_host
    module = types.ModuleType("plain_plugin")
    host.pm.register(module, name="plain_plugin")
    host.infos["plain_plugin"] = PluginInfo(name="plain_plugin", description="Nothing to set.")
    host._tenant_hooks.clear()
    contracts.enable(registry, "acme", "plain_plugin")
    console_login(testapp, registry, "admin@acme.test")
    page = testapp.get("/acme/plugins")
    section = page.html.find(id="plugin-plain_plugin").get_text(" ", strip=True)
    assert "Nothing to set." in section and "This plugin has no settings." in section
    assert "plugin-form-plain_plugin" not in page.forms


def test_no_plugins_says_so(testapp, registry, tenant):
    console_login(testapp, registry, "admin@acme.test")
    page = testapp.get("/acme/plugins")
    assert "includes no plugins" in page.text


def test_csrf_missing_is_400(testapp, registry, demo_plugin):
    console_login(testapp, registry, "admin@acme.test")
    testapp.post("/acme/plugins/demo_guard", {"setting.max_attempts": "4"}, status=400)
    assert stored_settings(registry)["max_attempts"] == 3


@pytest.mark.parametrize("email", ["staff@acme.test", "reader@acme.test"])
def test_non_admins_are_refused_and_audited(testapp, registry, demo_plugin, email):
    console_login(testapp, registry, email)
    testapp.get("/acme/plugins", status=403)
    denied = audit_events(registry, "permission.denied")[-1]
    assert denied["actor"] == email
    assert denied["details"]["permission"] == "settings.manage"


def test_not_logged_in_goes_to_login(testapp, registry, demo_plugin):
    answer = testapp.get("/acme/plugins", status=303)
    assert "/acme/login" in answer.location
