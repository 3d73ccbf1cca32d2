"""Reading the settings parsed once at start-up: from a request, a registry or a mapping."""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

from .model import PraxSettings
from .parsing import parse_settings

# The registry attribute that holds the parsed object.
ATTRIBUTE = "praxcloud_settings"


def settings_of(source: Any) -> PraxSettings:
    """The typed settings of a request, a registry (or configurator), or a raw settings mapping.

    A registry carries the object parsed once at start-up; a plain mapping
    (start-up code and tests handed a dict) is parsed on each call, so code
    that runs per request asks with the request or the registry.
    """
    if isinstance(source, PraxSettings):
        return source
    registry = getattr(source, "registry", source)
    parsed = getattr(registry, ATTRIBUTE, None)
    if isinstance(parsed, PraxSettings):
        return parsed
    # pyramid's Registry is itself a dict: take its settings, not its contents.
    return parse_settings(getattr(registry, "settings", registry) or {})


def plugin_ini_settings(source: Any, plugin: str) -> Mapping[str, str]:
    """A plugin's own ini settings (``praxcloud.plugin.<plugin>.<key>``), by ``<key>``, as text.

    Platform-wide values for every tenant; a tenant's own settings for the
    plugin live in the database (``praxcloud_plugin_info``'s schema).
    """
    return settings_of(source).plugin_values.get(plugin, types.MappingProxyType({}))


def install_settings(registry, parsed: PraxSettings | None = None) -> PraxSettings:
    """Parse the registry's settings once (start-up), or put ``parsed`` in their place (tests)."""
    if parsed is None:
        parsed = parse_settings(registry.settings or {})
    setattr(registry, ATTRIBUTE, parsed)
    return parsed
