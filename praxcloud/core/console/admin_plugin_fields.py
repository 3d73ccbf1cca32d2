"""A plugin's settings schema as form fields for tenant administrators, and back.

One field per schema property, in the schema's order, named ``setting.<key>``:

- ``enum``: a select, the answer typed back as the schema's own value;
- ``boolean``: a checkbox (left unticked means false);
- ``integer`` / ``number``: a number input bounded by ``minimum``/``maximum``;
- ``array`` of strings: a textarea, one value per line (checkboxes when the
  items have an ``enum``);
- ``string``: a text input, or, when ``writeOnly`` (a secret), a password
  input that is never filled in: left empty, the stored secret stays;
- anything else (objects, ...) is shown but not editable here.

Only the form's shape and types are checked here; the plugin's schema
(``minimum``, ``pattern``, ``required``...) is applied by the contract
service, whose messages land under the same fields.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from ..plugins import PluginInfo
from .admin_forms import lines

PREFIX = "setting."
MAX_VALUE_LENGTH = 10_000


@dataclass
class SettingField:
    key: str
    label: str
    widget: str  # select, checkbox, number, lines, choices, text, secret or fixed
    hint: str = ""
    value: Any = ""  # text for inputs, bool for a checkbox, list of texts for choices
    options: list[str] = field(default_factory=list)
    minimum: Any = None
    maximum: Any = None
    step: str = "1"
    nullable: bool = False
    has_value: bool = False  # a secret is stored
    kind: str = "string"
    enum_values: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return PREFIX + self.key


def _types(spec: dict) -> tuple[str, bool]:
    """The property's main JSON type and whether it may be null."""
    kind = spec.get("type", "string")
    if isinstance(kind, list):
        main = next((k for k in kind if k != "null"), "string")
        return main, "null" in kind
    return kind, False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def _widget(spec: dict, kind: str) -> str:
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


def fields_for(info: PluginInfo, stored: dict[str, Any]) -> list[SettingField]:
    """The form for ``info``'s settings, showing ``stored`` (secrets never)."""
    current = {**info.defaults(), **(stored or {})}
    fields = []
    for key, spec in info.settings_schema.get("properties", {}).items():
        kind, nullable = _types(spec)
        widget = _widget(spec, kind)
        item = SettingField(key=key, label=spec.get("title") or key.replace("_", " ").capitalize(),
                            widget=widget, hint=spec.get("description", ""), kind=kind,
                            nullable=nullable)
        value = current.get(key)
        if widget == "secret":
            item.has_value = value not in (None, "")
        elif widget == "select":
            item.enum_values = {_text(option): option for option in spec["enum"]}
            item.options = list(item.enum_values)
            item.value = _text(value)
        elif widget == "checkbox":
            item.value = bool(value)
        elif widget == "number":
            item.minimum, item.maximum = spec.get("minimum"), spec.get("maximum")
            item.step = "1" if kind == "integer" else "any"
            item.value = _text(value)
        elif widget == "choices":
            item.options = [_text(option) for option in spec["items"]["enum"]]
            item.value = [_text(option) for option in value or ()]
        elif widget == "lines":
            item.value = "\n".join(_text(v) for v in value or ())
        else:
            item.value = _text(value)
        fields.append(item)
    return fields


def refill(fields: list[SettingField], post) -> list[SettingField]:
    """The same fields showing what was typed (after an error); secrets stay empty."""
    for item in fields:
        if item.widget == "checkbox":
            item.value = post.get(item.name) == "on"
        elif item.widget == "choices":
            item.value = post.getall(item.name)
        elif item.widget not in ("secret", "fixed"):
            item.value = post.get(item.name, "")
    return fields


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


def changes_from_form(info: PluginInfo, post) -> tuple[dict[str, Any], dict[str, str]]:
    """``(changes, errors)``: the typed settings the form submits and what could not be read."""
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
