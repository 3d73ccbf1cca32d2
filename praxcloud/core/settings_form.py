"""A plugin's settings schema (JSON Schema) as an HTML form, and the submitted form back.

Both consoles build their plugin settings forms here. One field per schema
property, named ``setting.<key>``; secrets (``writeOnly``) are never sent to
the browser: their field stays empty, and an empty answer keeps the stored
value. Only the form's shape and types are read here; the plugin's schema
(``minimum``, ``pattern``, ``required``...) is applied by the contract
service, whose messages the consoles show under the same fields.

The consoles ask for one of two styles (:class:`FormStyle`):

``WIDGETS``, the tenant console's, for administrators: in the schema's
order, a widget per type, read here into typed values:

- ``enum``: a select, the answer typed back as the schema's own value;
- ``boolean``: a checkbox (left unticked means false);
- ``integer`` / ``number``: a number input bounded by ``minimum``/``maximum``;
- ``array`` of strings: a textarea, one value per line (checkboxes when the
  items have an ``enum``);
- ``string``: a text input, or a password input for a secret;
- anything else (objects, ...) is shown but not editable.

A property with ``"x-against-advice": "<why>"`` is one a contract may ask
for although a standard advises against it (composition rules, forced
password changes): both consoles mark it, with the reason, whenever its
value is not the schema's default.

``TEXT``, the platform console's, for operators: in key order, each value
as an operator types it on the command line (JSON for numbers, booleans,
lists and objects), typed by :func:`contracts.parse_assignments`, the
parser of the CLI's ``KEY=VALUE`` arguments, so the two cannot disagree.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass, field
from typing import Any

from .console.admin_forms import lines
from .contracts import parse_assignments
from .plugins import PluginError, PluginHost, PluginInfo

PREFIX = "setting."
AGAINST_ADVICE = "x-against-advice"
MAX_VALUE_LENGTH = 10_000


class FormStyle(enum.Enum):
    WIDGETS = "widgets"  # the tenant console
    TEXT = "text"  # the platform console


@dataclass
class SettingField:
    key: str
    label: str
    # WIDGETS: select, checkbox, number, lines, choices, text, secret or fixed;
    # TEXT: text, password, number, select or json.
    widget: str
    description: str = ""
    value: Any = ""  # text for inputs, bool for a checkbox, list of texts for choices
    options: list[str] = field(default_factory=list)
    enum_values: dict[str, Any] = field(default_factory=dict)  # option text -> schema value
    minimum: Any = None
    maximum: Any = None
    step: str = "1"
    kind: str = "string"  # the property's main JSON type
    nullable: bool = False
    required: bool = False
    secret: bool = False
    has_value: bool = False  # a secret is stored
    default: str | None = None  # the schema's default as text (TEXT style shows it)
    # ``x-against-advice``: why the setting departs from a standard's advice
    # (NIST, OWASP ASVS) when it is not at its default; shown as a warning then.
    against_advice: str = ""
    departs: bool = False  # against_advice is set and the value is not the default

    @property
    def name(self) -> str:
        return PREFIX + self.key


def _types(spec: dict) -> tuple[str, bool]:
    """The property's main JSON type and whether it may be null.

    ``["integer", "null"]`` and the like: the first non-null type decides the widget.
    """
    kind = spec.get("type", "string")
    if isinstance(kind, list):
        main = next((k for k in kind if k != "null"), "string")
        return main, "null" in kind
    return kind, False


def as_text(value: Any) -> str:
    """A setting's value as it is shown and typed: JSON for anything but text and numbers."""
    if value is None:
        return ""
    if isinstance(value, bool | list | dict):
        return json.dumps(value)
    return str(value)


def _widget(spec: dict, kind: str, style: FormStyle) -> str:
    if style is FormStyle.TEXT:
        if spec.get("writeOnly"):
            return "password"
        if "enum" in spec or kind == "boolean":
            return "select"
        if kind in ("integer", "number"):
            return "number"
        return "json" if kind in ("array", "object") else "text"
    if spec.get("writeOnly"):
        return "secret"
    if "enum" in spec:
        return "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if kind == "array" and spec.get("items", {}).get("type", "string") == "string":
        return "choices" if "enum" in spec.get("items", {}) else "lines"
    if kind == "string":
        return "text"
    return "fixed"


def _label(key: str, spec: dict, style: FormStyle) -> str:
    if spec.get("title"):
        return spec["title"]
    # Operators know settings by their keys (the CLI's KEY=VALUE); administrators by words.
    return key if style is FormStyle.TEXT else key.replace("_", " ").capitalize()


def fields_for(info: PluginInfo, stored: dict[str, Any] | None = None,
               style: FormStyle = FormStyle.WIDGETS) -> list[SettingField]:
    """The form for ``info``'s settings, showing ``stored`` or the defaults (secrets never)."""
    schema = info.settings_schema
    current = {**info.defaults(), **(stored or {})}
    required = set(schema.get("required", []))
    properties = schema.get("properties", {}).items()
    if style is FormStyle.TEXT:
        properties = sorted(properties)
    fields = []
    for key, spec in properties:
        kind, nullable = _types(spec)
        item = SettingField(key=key, label=_label(key, spec, style),
                            widget=_widget(spec, kind, style),
                            description=spec.get("description", ""), kind=kind,
                            nullable=nullable, required=key in required,
                            secret=bool(spec.get("writeOnly")))
        if item.secret:
            # Stored, not a default: the page says whether a value was set.
            item.has_value = (stored or {}).get(key) not in (None, "")
        else:
            _show(item, spec, current.get(key))
        if style is FormStyle.TEXT and not item.secret and "default" in spec:
            item.default = as_text(spec["default"])
        if spec.get(AGAINST_ADVICE):
            item.against_advice = spec[AGAINST_ADVICE]
            item.departs = current.get(key) != spec.get("default")
        fields.append(item)
    return fields


def _show(item: SettingField, spec: dict, value: Any) -> None:
    """Fill ``item`` with ``value`` and the options its widget offers."""
    if item.widget == "select":
        choices = spec["enum"] if "enum" in spec else [True, False]
        item.enum_values = {as_text(option) if not isinstance(option, str) else option: option
                            for option in choices}
        item.options = list(item.enum_values)
        item.value = as_text(value) if not isinstance(value, str) else value
    elif item.widget == "checkbox":
        item.value = bool(value)
    elif item.widget == "number":
        item.minimum, item.maximum = spec.get("minimum"), spec.get("maximum")
        item.step = "1" if item.kind == "integer" else "any"
        item.value = as_text(value)
    elif item.widget == "choices":
        item.options = [as_text(option) for option in spec["items"]["enum"]]
        item.value = [as_text(option) for option in value or ()]
    elif item.widget == "lines":
        item.value = "\n".join(as_text(v) for v in value or ())
    else:
        item.value = as_text(value)


def refill(fields: list[SettingField], post) -> list[SettingField]:
    """The same fields showing what was typed (after an error); secrets stay empty."""
    for item in fields:
        if item.widget == "checkbox":
            item.value = post.get(item.name) == "on"
        elif item.widget == "choices":
            item.value = post.getall(item.name)
        elif not item.secret and item.widget != "fixed":
            raw = post.get(item.name)
            if isinstance(raw, str):
                item.value = raw
    return fields


# The tenant console's form (WIDGETS) -----------------------------------------
def _number(item: SettingField, raw: str) -> tuple[Any, str | None]:
    text = raw.strip()
    if not text:
        return (None, None) if item.nullable else (None, "Enter a number.")
    if item.kind == "integer":
        try:
            return int(text), None
        except ValueError:
            return None, "Enter a whole number."
    try:
        value = float(text)
    except ValueError:
        return None, "Enter a number."
    if not math.isfinite(value):
        return None, "Enter a number."
    return (int(value) if value.is_integer() and "." not in text else value), None


def changes_from_widgets(info: PluginInfo, post) -> tuple[dict[str, Any], dict[str, str]]:
    """``(changes, errors)``: the typed settings a WIDGETS form submits, what could not be read."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in fields_for(info, {}):
        raw = post.get(item.name, "")
        if item.widget not in ("checkbox", "choices", "fixed") and len(raw) > MAX_VALUE_LENGTH:
            errors[item.key] = f"Use at most {MAX_VALUE_LENGTH:,} characters."
            continue
        if item.widget == "fixed":
            continue
        if item.widget == "secret":
            if raw:  # empty: keep the stored secret
                changes[item.key] = raw
        elif item.widget == "checkbox":
            changes[item.key] = raw == "on"
        elif item.widget == "select":
            if raw == "" and item.nullable:
                changes[item.key] = None
            elif raw in item.enum_values:
                changes[item.key] = item.enum_values[raw]
            else:
                errors[item.key] = "Choose one of the options."
        elif item.widget == "number":
            value, message = _number(item, raw)
            if message:
                errors[item.key] = message
            else:
                changes[item.key] = value
        elif item.widget == "choices":
            chosen = post.getall(item.name)
            allowed = set(item.options)
            if set(chosen) - allowed:
                errors[item.key] = "Choose among the options shown."
            else:
                changes[item.key] = [option for option in item.options if option in chosen]
        elif item.widget == "lines":
            changes[item.key] = lines(raw)
        else:
            changes[item.key] = None if (raw.strip() == "" and item.nullable) else raw.strip()
    return changes, errors


# The platform console's forms (TEXT) -------------------------------------------
def changes_from_text(host: PluginHost, name: str, post) -> dict[str, Any]:
    """The settings a TEXT form changes, typed per the schema; PluginError on a malformed value."""
    pairs = []
    for item in fields_for(host.info(name), style=FormStyle.TEXT):
        raw = post.get(item.name)
        if not isinstance(raw, str):
            continue
        if len(raw) > MAX_VALUE_LENGTH:
            raise PluginError("a setting is too long",
                              {item.key: f"use at most {MAX_VALUE_LENGTH} characters"})
        if item.kind != "string":
            raw = raw.strip()
        if raw == "" and (item.secret or item.kind != "string"):
            # Nothing typed: keep what is stored (a secret, or a typed value).
            continue
        pairs.append(f"{item.key}={raw}")
    return parse_assignments(pairs, host, name)


def parse_lines(host: PluginHost, name: str, text: str) -> dict[str, Any]:
    """``KEY=value`` lines (blank lines ignored) typed per the plugin's schema."""
    if len(text) > MAX_VALUE_LENGTH:
        raise PluginError(f"settings: use at most {MAX_VALUE_LENGTH} characters",
                          {"settings": "too long"})
    assignments = [line.strip() for line in text.splitlines() if line.strip()]
    return parse_assignments(assignments, host, name)


def without_secrets(host: PluginHost, name: str, text: str) -> str:
    """``KEY=value`` lines to show again after an error, less those that set a secret."""
    info = host.infos.get(name)
    secrets = info.secret_fields if info is not None else set()
    kept = [line for line in text.splitlines()
            if line.partition("=")[0].strip() not in secrets]
    return "\n".join(kept)
