"""The typed settings: defaults, each type parsed, bad keys and values refused by name.

docs/settings.md is generated from :class:`PraxSettings`, like docs/hooks.md
from the hookspecs; a test fails when it drifts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pyramid.paster import get_appsettings

from praxcloud import main
from praxcloud.core.config import apply_environment
from praxcloud.core.settings import (
    FIELDS_BY_KEY,
    PraxSettings,
    SettingsError,
    install_settings,
    parse_settings,
    plugin_ini_settings,
    settings_of,
)
from praxcloud.core.settings_doc import render

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MD = ROOT / "docs" / "settings.md"
REGENERATE = "regenerate it: python -m praxcloud.core.settings_doc > docs/settings.md"


def test_an_empty_ini_gives_the_defaults():
    parsed = parse_settings({})
    assert parsed == PraxSettings()
    assert (parsed.tenant_db_backend, parsed.tenant_engines_max, parsed.max_body_bytes) == (
        "sqlite", None, 1024 * 1024)
    assert (parsed.load_plugins, parsed.secure_cookies, parsed.disabled_plugins) == (
        True, False, ())
    assert parsed.base_url is None and parsed.platform_db_url is None
    assert parsed.operator_lifetime_hours == 12.0


def test_an_empty_value_means_not_set():
    assert parse_settings({"praxcloud.load_plugins": "", "praxcloud.max_body_bytes": ""}) == \
        PraxSettings()


@pytest.mark.parametrize(("key", "text", "value"), [
    ("praxcloud.hsts", "true", True),
    ("praxcloud.hsts", " Yes ", True),
    ("praxcloud.hsts", "on", True),
    ("praxcloud.load_plugins", "false", False),
    ("praxcloud.load_plugins", "0", False),
    ("praxcloud.tenant_engines_max", "200", 200),
    ("praxcloud.argon2.rounds", "1", 1),
    ("praxcloud.operator_lifetime_hours", "1.5", 1.5),
    ("praxcloud.disabled_plugins", "broken, other  third", ("broken", "other", "third")),
    ("praxcloud.tenant_db_backend", "postgresql", "postgresql"),
    ("praxcloud.mail_backend", "smtp", "smtp"),
    ("praxcloud.base_url", "https://praxcloud.example ", "https://praxcloud.example"),
])
def test_each_type_is_parsed_from_the_ini_text(key, text, value):
    assert getattr(parse_settings({key: text}), FIELDS_BY_KEY[key].name) == value


def test_values_a_caller_passes_typed_are_taken_as_they_are():
    parsed = parse_settings({"praxcloud.hsts": True, "praxcloud.tenant_pool_size": 3,
                             "praxcloud.disabled_plugins": ["a", "b"],
                             "praxcloud.tenant_data_dir": Path("/srv/tenants")})
    assert (parsed.hsts, parsed.tenant_pool_size, parsed.disabled_plugins) == (True, 3, ("a", "b"))
    assert parsed.tenant_data_dir == "/srv/tenants"


def test_other_libraries_keys_are_not_ours():
    assert parse_settings({"pyramid.reload_templates": "maybe", "mail.port": "x"}) == \
        PraxSettings()


def test_an_unknown_key_is_refused_by_name_with_a_suggestion():
    with pytest.raises(SettingsError) as caught:
        parse_settings({"praxcloud.hsst": "true"})
    assert list(caught.value.problems) == ["praxcloud.hsst"]
    assert str(caught.value).startswith("praxcloud.hsst: unknown setting; "
                                        "did you mean praxcloud.hsts?")


@pytest.mark.parametrize(("key", "text", "problem"), [
    ("praxcloud.hsts", "maybe", "'maybe' is not true or false"),
    ("praxcloud.max_body_bytes", "1MB", "'1MB' is not a whole number"),
    ("praxcloud.operator_lifetime_hours", "half a day", "'half a day' is not a number"),
    ("praxcloud.tenant_db_backend", "mysql", "'mysql' is not one of sqlite, postgresql"),
    ("praxcloud.login_limit_per_account", "0", "0 is below the minimum of 1"),
    ("praxcloud.base_url", 42, "42 is not text"),
])
def test_a_malformed_value_is_refused_by_name(key, text, problem):
    with pytest.raises(SettingsError) as caught:
        parse_settings({key: text})
    assert caught.value.problems == {key: problem}
    assert str(caught.value) == f"{key}: {problem}"


def test_every_problem_is_named_at_once():
    with pytest.raises(SettingsError) as caught:
        parse_settings({"praxcloud.nonsense": "1", "praxcloud.hsts": "maybe",
                        "praxcloud.secure_cookies": "true"})
    assert sorted(caught.value.problems) == ["praxcloud.hsts", "praxcloud.nonsense"]


def test_plugins_have_a_namespace_of_their_own():
    parsed = parse_settings({"praxcloud.plugin.ldap.url": "ldaps://directory",
                             "praxcloud.plugin.ldap.timeout": "5",
                             "praxcloud.plugin.waf.mode": "block"})
    assert dict(plugin_ini_settings(parsed, "ldap")) == {"url": "ldaps://directory",
                                                         "timeout": "5"}
    assert dict(plugin_ini_settings(parsed, "waf")) == {"mode": "block"}
    assert dict(plugin_ini_settings(parsed, "other")) == {}
    with pytest.raises(TypeError):
        plugin_ini_settings(parsed, "ldap")["url"] = "changed"


@pytest.mark.parametrize("key", ["praxcloud.plugin.ldap", "praxcloud.plugin..url"])
def test_a_plugin_key_without_plugin_and_name_is_refused(key):
    with pytest.raises(SettingsError, match=f"{key}: a plugin's setting is named"):
        parse_settings({key: "x"})


def test_required_names_the_missing_key():
    with pytest.raises(SettingsError, match="praxcloud.platform_db_url: is required and not set"):
        PraxSettings().required("platform_db_url")
    assert PraxSettings(tenant_admin_url="postgresql://a").required("tenant_admin_url") == \
        "postgresql://a"


def test_the_object_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PraxSettings().hsts = True


def test_start_up_refuses_an_unknown_or_malformed_key(settings):
    with pytest.raises(SettingsError, match="praxcloud.secure_cookie: unknown setting"):
        main({}, **{**settings, "praxcloud.secure_cookie": "true"})
    with pytest.raises(SettingsError, match="praxcloud.tenant_engines_max: 'many'"):
        main({}, **{**settings, "praxcloud.tenant_engines_max": "many"})


def test_the_registry_carries_the_object_parsed_at_start_up(registry, settings):
    parsed = settings_of(registry)
    assert parsed.platform_db_url == settings["praxcloud.platform_db_url"]
    assert settings_of(registry.settings) == parsed
    registry.settings["praxcloud.hsts"] = "maybe"
    assert settings_of(registry) is parsed, "parsed once, at start-up"
    with pytest.raises(SettingsError):
        settings_of(registry.settings)
    changed = dataclasses.replace(parsed, hsts=True)
    install_settings(registry, changed)
    assert settings_of(registry) is changed


class _Request:
    def __init__(self, registry):
        self.registry = registry


def test_a_request_answers_its_registrys_settings(registry):
    assert settings_of(_Request(registry)) is settings_of(registry)


def test_development_ini_parses():
    raw = apply_environment(get_appsettings(str(ROOT / "development.ini")))
    parsed = parse_settings(raw)
    assert (parsed.tenant_db_backend, parsed.mail_backend, parsed.broker_url) == (
        "sqlite", "folder", "filesystem://")
    assert parsed.create_master_key and not parsed.operator_mfa_required


def test_production_ini_parses(monkeypatch):
    for name in ("PRAXCLOUD_PLATFORM_DB_URL", "PRAXCLOUD_TENANT_ADMIN_URL", "PRAXCLOUD_BASE_URL",
                 "PRAXCLOUD_REDIS_URL", "PRAXCLOUD_MASTER_KEY", "PRAXCLOUD_SMTP_HOST",
                 "PRAXCLOUD_SMTP_USER", "PRAXCLOUD_SMTP_PASSWORD", "PRAXCLOUD_MAIL_FROM"):
        monkeypatch.setenv(name, f"value-of-{name.lower()}")
    raw = apply_environment(get_appsettings(str(ROOT / "production.ini")))
    parsed = parse_settings(raw)
    assert (parsed.tenant_db_backend, parsed.tenant_engines_max, parsed.mail_backend) == (
        "postgresql", 200, "smtp")
    assert parsed.secure_cookies and parsed.hsts and parsed.operator_mfa_required
    assert parsed.shared_state_url == "value-of-praxcloud_redis_url"


def test_settings_md_is_generated_from_the_settings():
    assert SETTINGS_MD.exists(), REGENERATE
    assert SETTINGS_MD.read_text(encoding="utf-8") == render(), REGENERATE


def test_every_setting_is_documented_and_grouped():
    from praxcloud.core.settings import GROUPS, SETTING_FIELDS

    vague = [name for name, item in SETTING_FIELDS.items()
             if len(item.metadata["doc"].split()) < 4 or item.metadata["group"] not in GROUPS]
    assert vague == []
