"""A plugin's settings schema as a form, in the two consoles' styles, and the form read back.

The pages themselves are tested in tests/console/test_admin_plugins.py and
tests/platform_console/test_plugins_page.py; this holds the field model both
build on.
"""

from __future__ import annotations

from webob.multidict import MultiDict

from praxcloud.core.plugins import PluginInfo
from praxcloud.core.settings_form import (
    FormStyle,
    changes_from_widgets,
    fields_for,
    refill,
)

SCHEMA = {"type": "object", "required": ["mode"], "properties": {
    "mode": {"enum": ["fast", "safe", 3], "default": "safe", "description": "How to run"},
    "enabled": {"type": "boolean", "default": True, "title": "Switched on"},
    "retries": {"type": "integer", "minimum": 1, "maximum": 9, "default": 3},
    "ratio": {"type": ["number", "null"]},
    "names": {"type": "array", "items": {"type": "string"}, "default": ["a", "b"]},
    "picks": {"type": "array", "items": {"type": "string", "enum": ["p", "q"]}},
    "limits": {"type": "object", "default": {"k": 1}},
    "api_key": {"type": "string", "writeOnly": True},
}}
INFO = PluginInfo(name="sample", settings_schema=SCHEMA)


def by_key(fields):
    return {item.key: item for item in fields}


def test_the_tenant_consoles_widgets_follow_the_schemas_order_and_types():
    fields = fields_for(INFO, {"api_key": "s3cret", "retries": 5})
    assert [item.key for item in fields] == list(SCHEMA["properties"])
    shown = {item.key: (item.widget, item.label, item.value) for item in fields}
    assert shown == {
        "mode": ("select", "Mode", "safe"),
        "enabled": ("checkbox", "Switched on", True),
        "retries": ("number", "Retries", "5"),
        "ratio": ("number", "Ratio", ""),
        "names": ("lines", "Names", "a\nb"),
        "picks": ("choices", "Picks", []),
        "limits": ("fixed", "Limits", '{"k": 1}'),
        "api_key": ("secret", "Api key", ""),
    }
    fields = by_key(fields)
    assert fields["mode"].options == ["fast", "safe", "3"]
    assert fields["mode"].description == "How to run"
    assert (fields["retries"].minimum, fields["retries"].maximum) == (1, 9)
    assert fields["ratio"].nullable and fields["ratio"].step == "any"
    assert fields["api_key"].has_value and fields["api_key"].name == "setting.api_key"


def test_the_platform_consoles_fields_are_typed_as_on_the_command_line():
    fields = fields_for(INFO, {"enabled": False}, FormStyle.TEXT)
    assert [item.key for item in fields] == sorted(SCHEMA["properties"])
    shown = {item.key: (item.widget, item.label, item.value, item.default) for item in fields}
    assert shown == {
        "api_key": ("password", "api_key", "", None),
        "enabled": ("select", "Switched on", "false", "true"),
        "limits": ("json", "limits", '{"k": 1}', '{"k": 1}'),
        "mode": ("select", "mode", "safe", "safe"),
        "names": ("json", "names", '["a", "b"]', '["a", "b"]'),
        "picks": ("json", "picks", "", None),
        "ratio": ("number", "ratio", "", None),
        "retries": ("number", "retries", "3", "3"),
    }
    fields = by_key(fields)
    assert fields["enabled"].options == ["true", "false"]
    assert fields["mode"].required and not fields["retries"].required
    assert fields["api_key"].secret and not fields["api_key"].has_value


def test_refill_shows_what_was_typed_but_never_a_secret():
    post = MultiDict([("setting.mode", "fast"), ("setting.retries", "x"),
                      ("setting.picks", "q"), ("setting.api_key", "typed secret")])
    fields = by_key(refill(fields_for(INFO, {}), post))
    assert (fields["mode"].value, fields["retries"].value) == ("fast", "x")
    assert fields["enabled"].value is False  # an unticked checkbox is not sent
    assert fields["picks"].value == ["q"]
    assert fields["api_key"].value == ""


def test_the_tenant_consoles_form_is_read_into_typed_values():
    post = MultiDict([("setting.mode", "3"), ("setting.enabled", "on"),
                      ("setting.retries", "7"), ("setting.ratio", ""),
                      ("setting.names", " x \n\ny\nx"), ("setting.picks", "q"),
                      ("setting.api_key", "")])
    changes, errors = changes_from_widgets(INFO, post)
    assert errors == {}
    assert changes == {"mode": 3, "enabled": True, "retries": 7, "ratio": None,
                       "names": ["x", "y"], "picks": ["q"]}  # an empty secret is kept
    post = MultiDict([("setting.mode", "slow"), ("setting.retries", "2.5"),
                      ("setting.picks", "z"), ("setting.names", "n" * 10_001)])
    changes, errors = changes_from_widgets(INFO, post)
    assert errors == {"mode": "Choose one of the options.", "retries": "Enter a whole number.",
                      "picks": "Choose among the options shown.",
                      "names": "Use at most 10,000 characters."}
    assert "mode" not in changes and "retries" not in changes


def test_a_setting_against_advice_is_marked_only_when_it_departs_from_the_default():
    schema = {"type": "object", "properties": {
        "require_digit": {"type": "boolean", "default": False,
                          "x-against-advice": "NIST SP 800-63B-4 advises no composition rules."},
        "expire_days": {"type": "integer", "default": 0, "x-against-advice": "No forced change."},
        "min_length": {"type": "integer", "default": 15},
    }}
    info = PluginInfo(name="policy", settings_schema=schema)
    for style in FormStyle:
        fields = by_key(fields_for(info, {"require_digit": True}, style))
        assert fields["require_digit"].departs
        assert fields["require_digit"].against_advice.startswith("NIST SP 800-63B-4")
        assert not fields["expire_days"].departs
        assert fields["expire_days"].against_advice == "No forced change."
        assert not fields["min_length"].departs and not fields["min_length"].against_advice
    assert by_key(fields_for(info, {"expire_days": 90}))["expire_days"].departs
