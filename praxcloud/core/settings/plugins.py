"""Settings section: which installed plugins are loaded.

A plugin's own ini settings (``praxcloud.plugin.<plugin>.<key>``) are not
declared here: the parser collects them by plugin (:mod:`.parsing`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import PLUGINS, setting


@dataclass(frozen=True)
class PluginSettings:
    """Plugins."""

    load_plugins: bool = setting(
        True, "Load installed plugins (entry points); false runs the core alone.", PLUGINS)
    disabled_plugins: tuple[str, ...] = setting(
        (), "Installed plugins not loaded at all (names, space or comma separated), e.g. one "
        "that breaks at import.", PLUGINS)
