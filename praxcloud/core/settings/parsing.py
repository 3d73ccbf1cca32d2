"""Parsing an ini's ``praxcloud.*`` keys into :class:`PraxSettings`; unknown or bad ones refused."""

from __future__ import annotations

import dataclasses
import difflib
import os
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal

from .base import PLUGIN_PREFIX, PREFIX, SettingsError
from .model import FIELDS_BY_KEY, TYPES, PraxSettings

TRUE_WORDS = frozenset({"true", "yes", "on", "y", "t", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "n", "f", "0"})


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not true or false")


def _parse_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None


def _parse_float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _parse_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return tuple(item for item in str(value).replace(",", " ").split() if item)


def _parse_text(value: Any) -> str:
    if isinstance(value, str | os.PathLike):
        return str(value).strip()
    raise ValueError(f"{value!r} is not text")


def parse_value(item: dataclasses.Field, value: Any) -> Any:
    """One field's value from the ini (text) or from a caller that passed it typed."""
    kind = TYPES[item.name]
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        value = str(value).strip()
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return value
    if kind is bool:
        return _parse_bool(value)
    if kind is int or kind == int | None:  # None is the default, never parsed from the ini
        parsed = _parse_int(value)
        if item.metadata["minimum"] is not None and parsed < item.metadata["minimum"]:
            raise ValueError(f"{parsed} is below the minimum of {item.metadata['minimum']}")
        return parsed
    if kind is float:
        return _parse_float(value)
    if kind == tuple[str, ...]:
        return _parse_names(value)
    return _parse_text(value)


def _unknown(key: str) -> str:
    close = difflib.get_close_matches(key, FIELDS_BY_KEY, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return (f"unknown setting{hint} (docs/settings.md lists the core's; a plugin's own are "
            f"named {PLUGIN_PREFIX}<plugin>.<key>)")


def parse_settings(raw: Mapping[str, Any]) -> PraxSettings:
    """The typed settings of an ini's ``[app:main]`` (environment overrides applied).

    Keys outside ``praxcloud.`` (``pyramid.*``, ``mail.*``) are not ours and
    are left alone. An empty value means "not set": the default applies.
    """
    values: dict[str, Any] = {}
    plugin_values: dict[str, dict[str, str]] = {}
    problems: dict[str, str] = {}
    for key, value in raw.items():
        if not key.startswith(PREFIX):
            continue
        if key.startswith(PLUGIN_PREFIX):
            plugin, _, name = key[len(PLUGIN_PREFIX):].partition(".")
            if not plugin or not name:
                problems[key] = f"a plugin's setting is named {PLUGIN_PREFIX}<plugin>.<key>"
            else:
                plugin_values.setdefault(plugin, {})[name] = "" if value is None else str(value)
            continue
        item = FIELDS_BY_KEY.get(key)
        if item is None:
            problems[key] = _unknown(key)
        elif value is None or value == "":
            continue
        else:
            try:
                values[item.name] = parse_value(item, value)
            except ValueError as exc:
                problems[key] = str(exc)
    if problems:
        raise SettingsError(problems)
    frozen = {plugin: types.MappingProxyType(keys) for plugin, keys in plugin_values.items()}
    return PraxSettings(**values, plugin_values=types.MappingProxyType(frozen))
