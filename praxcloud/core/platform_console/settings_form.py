"""A plugin's settings as an HTML form, generated from its JSON schema, and back.

Each property of the schema becomes one field named ``setting.<key>``;
the submitted strings are typed by :func:`contracts.parse_assignments`, the
same parser the CLI's ``KEY=VALUE`` arguments go through, and validated by
the contract service. Secrets (``writeOnly``) are never sent to the
browser: their field stays empty and an empty answer keeps the stored value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..contracts import parse_assignments
from ..plugins import PluginError, PluginHost, PluginInfo

PREFIX = "setting."
MAX_VALUE_LENGTH = 10_000


@dataclass
class SettingField:
    key: str
    label: str
    widget: str  # "text", "password", "number", "select" or "json"
    value: str = ""
    description: str = ""
    required: bool = False
    secret: bool = False
    has_value: bool = False
    kind: str = "string"
    options: list[str] = field(default_factory=list)
    default: str | None = None

    @property
    def name(self) -> str:
        return PREFIX + self.key


def _kind(spec: dict) -> str:
    kind = spec.get("type", "string")
    if isinstance(kind, list):
        # ["integer", "null"] and the like: the first non-null type decides the widget.
        kind = next((k for k in kind if k != "null"), "string")
    return kind


def _as_text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind in ("array", "object", "boolean"):
        return json.dumps(value)
    return str(value)


def fields_for(info: PluginInfo, current: dict[str, Any] | None = None) -> list[SettingField]:
    """One form field per schema property, filled with ``current`` (secrets left blank)."""
    current = current or {}
    schema = info.settings_schema
    required = set(schema.get("required", []))
    fields = []
    for key, spec in sorted(schema.get("properties", {}).items()):
        kind = _kind(spec)
        secret = bool(spec.get("writeOnly"))
        options: list[str] = []
        if secret:
            widget = "password"
        elif "enum" in spec:
            widget = "select"
            options = [_as_text(v, kind) if not isinstance(v, str) else v for v in spec["enum"]]
        elif kind == "boolean":
            widget, options = "select", ["true", "false"]
        elif kind in ("integer", "number"):
            widget = "number"
        elif kind in ("array", "object"):
            widget = "json"
        else:
            widget = "text"
        value = "" if secret else _as_text(current.get(key, spec.get("default")), kind)
        default = None if secret or "default" not in spec else _as_text(spec["default"], kind)
        fields.append(SettingField(
            key=key, label=spec.get("title") or key, widget=widget, value=value,
            description=spec.get("description", ""), required=key in required,
            secret=secret, has_value=secret and current.get(key) not in (None, ""),
            kind=kind, options=options, default=default,
        ))
    return fields


def refill(fields: list[SettingField], post) -> list[SettingField]:
    """The same fields showing what the operator typed (after an error), secrets still blank."""
    for item in fields:
        raw = post.get(item.name)
        if isinstance(raw, str) and not item.secret:
            item.value = raw
    return fields


def changes_from_form(host: PluginHost, name: str, post) -> dict[str, Any]:
    """The settings the form changes, typed per the schema; PluginError on a malformed value."""
    info = host.info(name)
    pairs = []
    for item in fields_for(info):
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
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return parse_assignments(lines, host, name)


def without_secrets(host: PluginHost, name: str, text: str) -> str:
    """``KEY=value`` lines to show again after an error, less those that set a secret."""
    info = host.infos.get(name)
    secrets = info.secret_fields if info is not None else set()
    kept = [line for line in text.splitlines()
            if line.partition("=")[0].strip() not in secrets]
    return "\n".join(kept)
