"""A tenant's contract in the platform console: enable, configure, disable plugins."""

from __future__ import annotations

from praxcloud.core.provisioning import all_tenants

from . import sample_plugin
from .conftest import BROKEN_PLUGIN, OPERATOR_EMAIL, csrf_of
from .test_auth import platform_events

NAME = sample_plugin.NAME
URL = "/platform/tenants/acme/plugins"


def contract(registry, slug="acme") -> dict:
    [tenant] = [t for t in all_tenants(registry.tenancy) if t.slug == slug]
    return {row.plugin: dict(row.settings) for row in tenant.plugins}


def post(testapp, fields: dict, status=303):
    token = csrf_of(testapp.get(URL))
    return testapp.post(URL, {"csrf_token": token, **fields}, status=status)


def enable_sample(testapp, settings_text=f"api_key={sample_plugin.SECRET_MARKER}"):
    return post(testapp, {"action": "enable", "plugin": NAME, "settings": settings_text})


def test_contract_page_lists_what_can_be_enabled_and_what_is_broken(operator, plugins,
                                                                    make_tenant):
    make_tenant("acme", "Acme Care")
    page = operator.get(URL)
    assert "No plugins are enabled" in page.text
    assert f'<option value="{NAME}"' in page.text
    assert "Test plugin: a notes policy." in page.text
    # The broken plugin is shown with its error and cannot be chosen.
    assert BROKEN_PLUGIN in page.text and "No module named" in page.text
    assert f'<option value="{BROKEN_PLUGIN}"' not in page.text


def test_enable_with_settings_masks_the_secret(operator, plugins, registry, make_tenant):
    make_tenant("acme", "Acme Care")
    response = enable_sample(operator, f"api_key={sample_plugin.SECRET_MARKER}\nmax_notes=3\n")
    page = response.follow()
    assert f"Plugin {NAME} enabled for acme." in page.text
    assert contract(registry) == {NAME: {
        "api_key": sample_plugin.SECRET_MARKER, "max_notes": 3, "mode": "strict",
        "notify": False, "label": "Notes"}}
    assert "********" in page.text
    assert sample_plugin.SECRET_MARKER not in page.text
    assert f'<option value="{NAME}"' not in page.text
    [event] = platform_events(registry, "plugin.enable")
    assert (event.actor, event.tenant_slug, event.details) == (
        OPERATOR_EMAIL, "acme", {"plugin": NAME})
    assert NAME in operator.get("/platform/tenants").text


def test_enable_with_invalid_settings_shows_the_fields_and_changes_nothing(
        operator, plugins, registry, make_tenant):
    make_tenant("acme")
    page = post(operator, {"action": "enable", "plugin": NAME, "settings": "max_notes=0"},
                status=422)
    assert "Invalid settings for plugin" in page.text
    assert "api_key" in page.text and "max_notes" in page.text
    assert "max_notes=0" in page.text  # the operator's text comes back to correct
    malformed = post(operator, {"action": "enable", "plugin": NAME, "settings": "just words"},
                     status=422)
    assert "Expected KEY=VALUE" in malformed.text
    typed = post(operator, {"action": "enable", "plugin": NAME,
                            "settings": "api_key=long-enough\nmax_notes=many"}, status=422)
    assert "not a valid integer" in typed.text
    assert contract(registry) == {}
    assert platform_events(registry, "plugin.enable") == []


def test_a_refused_enable_does_not_send_the_secret_back(operator, plugins, registry,
                                                        make_tenant):
    make_tenant("acme")
    page = post(operator, {"action": "enable", "plugin": NAME,
                           "settings": f"api_key={sample_plugin.SECRET_MARKER}\nmax_notes=0"},
                status=422)
    assert sample_plugin.SECRET_MARKER not in page.text
    assert "max_notes=0" in page.text
    assert contract(registry) == {}


def test_broken_unknown_or_no_plugin_cannot_be_enabled(operator, plugins, registry, make_tenant):
    make_tenant("acme")
    broken = post(operator, {"action": "enable", "plugin": BROKEN_PLUGIN}, status=422)
    assert "is installed but broken." in broken.text
    unknown = post(operator, {"action": "enable", "plugin": "no-such-plugin"}, status=422)
    assert "No plugin named" in unknown.text
    empty = post(operator, {"action": "enable", "plugin": ""}, status=422)
    assert "Choose a plugin to enable." in empty.text
    assert contract(registry) == {}


def test_enable_twice_is_refused(operator, plugins, registry, make_tenant):
    make_tenant("acme")
    enable_sample(operator)
    again = post(operator, {"action": "enable", "plugin": NAME,
                            "settings": "api_key=another-key"}, status=422)
    shown = again.html.select(".flash.error")
    assert "is already enabled for 'acme'." in " ".join(e.get_text() for e in shown), again.text
    assert contract(registry)[NAME]["api_key"] == sample_plugin.SECRET_MARKER


def test_configure_keeps_the_secret_when_left_blank(operator, plugins, registry, make_tenant):
    make_tenant("acme")
    enable_sample(operator)
    page = operator.get(URL)
    # The form is generated from the schema: one field per property, the secret blank.
    for key in ("api_key", "max_notes", "mode", "notify", "label"):
        assert f'name="setting.{key}"' in page.text
    assert sample_plugin.SECRET_MARKER not in page.text
    response = post(operator, {"action": "configure", "plugin": NAME, "setting.api_key": "",
                               "setting.max_notes": "7", "setting.mode": "lenient",
                               "setting.notify": "true", "setting.label": "Case notes"})
    assert f"Settings of {NAME} saved for acme." in response.follow().text
    assert contract(registry)[NAME] == {
        "api_key": sample_plugin.SECRET_MARKER, "max_notes": 7, "mode": "lenient",
        "notify": True, "label": "Case notes"}
    post(operator, {"action": "configure", "plugin": NAME, "setting.api_key": "a-new-api-key"})
    assert contract(registry)[NAME]["api_key"] == "a-new-api-key"
    [first, second] = platform_events(registry, "plugin.configure")
    assert first.details == {"plugin": NAME,
                             "keys": ["label", "max_notes", "mode", "notify"]}
    assert second.actor == OPERATOR_EMAIL


def test_configure_with_bad_values_shows_errors_by_the_fields(operator, plugins, registry,
                                                              make_tenant):
    make_tenant("acme")
    enable_sample(operator)
    page = post(operator, {"action": "configure", "plugin": NAME, "setting.max_notes": "0",
                           "setting.label": "x" * 30}, status=422)
    assert "Invalid settings for plugin" in page.text
    assert page.text.count('class="field-error"') == 2
    assert 'value="0"' in page.text  # what was typed is shown again
    short = post(operator, {"action": "configure", "plugin": NAME, "setting.api_key": "short"},
                 status=422)
    # A rejected secret is neither echoed in the field nor quoted in the message.
    assert 'value="short"' not in short.text and "&#39;short&#39;" not in short.text
    assert 'class="field-error"' in short.text
    assert contract(registry)[NAME]["max_notes"] == 10
    assert contract(registry)[NAME]["api_key"] == sample_plugin.SECRET_MARKER
    not_enabled = post(operator, {"action": "configure", "plugin": BROKEN_PLUGIN}, status=422)
    assert "broken" in not_enabled.text


def test_disable(operator, plugins, registry, make_tenant):
    make_tenant("acme")
    enable_sample(operator)
    response = post(operator, {"action": "disable", "plugin": NAME})
    assert f"Plugin {NAME} disabled for acme." in response.follow().text
    assert contract(registry) == {}
    [event] = platform_events(registry, "plugin.disable")
    assert (event.actor, event.details) == (OPERATOR_EMAIL, {"plugin": NAME})
    again = post(operator, {"action": "disable", "plugin": NAME}, status=422)
    assert "is not enabled for &#39;acme&#39;." in again.text


def test_a_suspended_tenants_contract_can_still_change(operator, plugins, registry, make_tenant):
    # Operators may need to repair a contract while the tenant is suspended.
    make_tenant("acme")
    token = csrf_of(operator.get("/platform/tenants/acme"))
    operator.post("/platform/tenants/acme/status", {"csrf_token": token, "status": "suspended"})
    post(operator, {"action": "enable", "plugin": NAME, "settings": "api_key=long-enough"})
    assert NAME in contract(registry)
    page = operator.get(URL)
    assert "The tenant is suspended" in page.text


def test_unknown_action_or_tenant(operator, plugins, make_tenant):
    make_tenant("acme")
    post(operator, {"action": "explode", "plugin": NAME}, status=404)
    token = csrf_of(operator.get(URL))
    operator.get("/platform/tenants/nope/plugins", status=404)
    operator.post("/platform/tenants/nope/plugins",
                  {"csrf_token": token, "action": "enable", "plugin": NAME,
                   "settings": "api_key=long-enough"}, status=404)


def test_contract_changes_need_the_csrf_token(operator, plugins, registry, make_tenant):
    make_tenant("acme")
    operator.post(URL, {"action": "enable", "plugin": NAME, "settings": "api_key=long-enough"},
                  status=400)
    assert contract(registry) == {}


def test_settings_against_nist_advice_are_marked_for_operators(operator, registry,
                                                               make_tenant, enable_plugin):
    make_tenant("acme", "Acme Care")
    enable_plugin("acme", "password_policy", {"require_digit": True})
    page = operator.get(URL)
    text = page.html.get_text(" ", strip=True)
    assert text.count("Against NIST/ASVS advice") == 1
    assert "advise against composition rules" in text
