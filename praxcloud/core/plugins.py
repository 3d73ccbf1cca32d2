"""The plugin host: every installed plugin loaded once, each tenant sees only its own.

Entry points of the ``praxcloud.plugins`` group are loaded one by one; a
plugin that fails to import or register is recorded as broken by name and
the rest go on. A tenant whose contract enables a broken plugin is refused
(fail closed) while other tenants run on.

Hooks are called per tenant through pluggy subset callers that leave out
every optional plugin the tenant has not enabled; the callers are cached by
enabled set, so a request pays only for what its tenant uses.
"""

from __future__ import annotations

import importlib.metadata
import logging
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import pluggy

from . import hookspecs
from .hookspecs import PROJECT

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "praxcloud.plugins"


class PluginError(Exception):
    """A plugin is unknown, broken, or its settings are invalid."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}


@dataclass
class PluginInfo:
    name: str
    version: str = ""
    description: str = ""
    settings_schema: dict[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )
    distribution: str = ""
    hooks: list[str] = field(default_factory=list)
    # A directory of alembic revisions for the plugin's tenant tables, or "".
    tenant_migrations: str = ""

    @property
    def secret_fields(self) -> set[str]:
        props = self.settings_schema.get("properties", {})
        return {name for name, spec in props.items() if spec.get("writeOnly")}

    def defaults(self) -> dict[str, Any]:
        props = self.settings_schema.get("properties", {})
        return {name: spec["default"] for name, spec in props.items() if "default" in spec}

    def public_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Settings with secrets masked, for display."""
        return {k: ("********" if k in self.secret_fields else v) for k, v in settings.items()}


class TenantHooks:
    """``hooks.praxcloud_x(...)`` calling only the plugins one tenant enables."""

    __slots__ = ("_host", "_enabled", "_callers")

    def __init__(self, host: PluginHost, enabled: frozenset[str]):
        self._host = host
        self._enabled = enabled
        self._callers: dict[str, Any] = {}

    def __getattr__(self, name: str):
        try:
            return self._callers[name]
        except KeyError:
            caller = self._host._subset_caller(name, self._enabled)
            self._callers[name] = caller
            return caller


class PluginHost:
    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.broken: dict[str, str] = {}
        # Plugins every tenant always runs (the core's own defaults).
        self.builtin_names: set[str] = set()
        self._tenant_hooks: dict[frozenset[str], TenantHooks] = {}
        self._lock = threading.Lock()

    # Loading ------------------------------------------------------------
    def register_builtin(self, module: Any, name: str) -> None:
        self.pm.register(module, name=name)
        self.builtin_names.add(name)

    def load_entry_points(
        self, entry_points: Iterable[importlib.metadata.EntryPoint] | None = None
    ) -> None:
        if entry_points is None:
            entry_points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        for ep in sorted(entry_points, key=lambda e: e.name):
            self._load_one(ep)
        self._tenant_hooks.clear()

    def _load_one(self, ep: importlib.metadata.EntryPoint) -> None:
        name = ep.name
        if name in self.infos or name in self.builtin_names:
            self.broken[name] = f"plugin name {name!r} is registered twice"
            log.error("plugin %s: registered twice, ignoring %s", name, ep.value)
            return
        try:
            module = ep.load()
            self.pm.register(module, name=name)
        except Exception:
            self.broken[name] = traceback.format_exc(limit=5)
            log.exception("plugin %s failed to load; tenants that enable it are refused", name)
            return
        try:
            self.pm.check_pending()
            info = self._read_info(name, module, ep)
            jsonschema.Draft202012Validator.check_schema(info.settings_schema)
        except Exception:
            self.broken[name] = traceback.format_exc(limit=5)
            log.exception("plugin %s is invalid; tenants that enable it are refused", name)
            self.pm.unregister(module)
            return
        self.infos[name] = info

    def _read_info(self, name: str, module: Any, ep) -> PluginInfo:
        impl = getattr(module, "praxcloud_plugin_info", None)
        data = dict(impl() or {}) if impl else {}
        if data.get("name", name) != name:
            raise PluginError(f"plugin_info name {data.get('name')!r} != entry point {name!r}")
        dist = getattr(ep, "dist", None)
        info = PluginInfo(
            name=name,
            version=data.get("version") or (dist.version if dist else ""),
            description=data.get("description", ""),
            settings_schema=data.get("settings_schema")
            or {"type": "object", "properties": {}},
            distribution=dist.name if dist else "",
            tenant_migrations=str(data.get("tenant_migrations") or ""),
            hooks=sorted(
                h.name for h in self.pm.get_hookcallers(module) or () if h.name.startswith(PROJECT)
            ),
        )
        return info

    # Per-tenant hook callers -------------------------------------------
    def for_tenant(self, enabled: frozenset[str]) -> TenantHooks:
        hooks = self._tenant_hooks.get(enabled)
        if hooks is None:
            with self._lock:
                hooks = self._tenant_hooks.setdefault(enabled, TenantHooks(self, enabled))
        return hooks

    def _subset_caller(self, name: str, enabled: frozenset[str]):
        leave_out = [
            self.pm.get_plugin(plugin)
            for plugin in self.infos
            if plugin not in enabled
        ]
        return self.pm.subset_hook_caller(name, remove_plugins=[p for p in leave_out if p])

    @property
    def hook(self):
        """Every installed plugin: for start-up hooks only (includeme, cli, periodic tasks)."""
        return self.pm.hook

    # Contracts ------------------------------------------------------------
    def broken_among(self, enabled: Iterable[str]) -> list[str]:
        return sorted(name for name in enabled if name not in self.infos)

    def info(self, name: str) -> PluginInfo:
        if name in self.broken:
            raise PluginError(f"plugin {name!r} is installed but broken")
        try:
            return self.infos[name]
        except KeyError:
            raise PluginError(f"no plugin named {name!r} is installed") from None

    def validate_settings(self, name: str, settings: dict[str, Any]) -> dict[str, Any]:
        """Return defaults merged with ``settings``, or raise PluginError listing each bad field."""
        info = self.info(name)
        merged = {**info.defaults(), **settings}
        validator = jsonschema.Draft202012Validator(info.settings_schema)
        errors = sorted(validator.iter_errors(merged), key=lambda e: list(e.path))
        if errors:
            fields = {}
            for error in errors:
                key = ".".join(str(p) for p in error.path) or _unknown_key(error) or "settings"
                fields.setdefault(key, error.message)
            raise PluginError(f"invalid settings for plugin {name!r}", fields)
        return merged


def _unknown_key(error: jsonschema.ValidationError) -> str | None:
    if error.validator == "additionalProperties":
        extra = set(error.instance) - set(error.schema.get("properties", {}))
        return ",".join(sorted(extra)) or None
    if error.validator == "required":
        return error.message.split("'")[1] if "'" in error.message else None
    return None
