"""The plugin host: every installed plugin loaded once, each tenant sees only its own.

Entry points of the ``praxcloud.plugins`` group are loaded one by one; a
plugin that fails to import, to register or to describe itself is recorded
as broken by name (and unregistered, so none of its hooks ever runs) while
the rest go on. A tenant whose contract enables a broken, disabled or
missing plugin is refused (fail closed) while other tenants run on.

Hooks are called per tenant through pluggy subset callers that leave out
every plugin the tenant has not enabled (only the core's built-in defaults
are always in); the callers are cached by enabled set, so a request pays
only for what its tenant uses.
"""

from __future__ import annotations

import importlib.metadata
import logging
import re
import threading
import traceback
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import pluggy

from . import hookspecs
from .errors import PraxError
from .hookspecs import PROJECT
from .schema_messages import field_messages

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "praxcloud.plugins"
# Entry-point names: they are stored in contracts and used in view options
# and URLs, so keep them plain. Dotted names are left to the core's built-ins.
PLUGIN_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}[a-z0-9]$|^[a-z]$")
SECRET_MASK = "********"  # noqa: S105 - what is shown instead of a secret


class PluginError(PraxError):
    """A plugin is unknown, broken, or its settings are invalid."""

    code = "plugin_error"
    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message, fields=fields)


class UnknownPlugin(PluginError):
    """No plugin of that name is installed."""

    code = "unknown_plugin"
    status = 404


class PluginSettingsInvalid(PluginError):
    """A tenant's settings for a plugin do not match the plugin's settings schema."""

    code = "invalid_settings"
    status = 422


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
    # tenant_key purposes whose keys follow the tenant's data into a restored copy.
    data_origin_keys: tuple[str, ...] = ()

    @property
    def secret_fields(self) -> set[str]:
        props = self.settings_schema.get("properties", {})
        return {name for name, spec in props.items() if spec.get("writeOnly")}

    def defaults(self) -> dict[str, Any]:
        props = self.settings_schema.get("properties", {})
        return {name: spec["default"] for name, spec in props.items() if "default" in spec}

    def public_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Settings with secrets masked, for display."""
        secrets = self.secret_fields
        return {k: (SECRET_MASK if k in secrets else v) for k, v in settings.items()}


def discover_entry_points() -> list[importlib.metadata.EntryPoint]:
    """The installed distributions' ``praxcloud.plugins`` entry points."""
    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


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
        # Plugin name -> why it cannot be used (traceback or reason).
        self.broken: dict[str, str] = {}
        # Installed plugins not loaded at all (``praxcloud.disabled_plugins``).
        self.disabled: set[str] = set()
        # Plugins every tenant always runs (the core's own defaults).
        self.builtin_names: set[str] = set()
        self._tenant_hooks: dict[frozenset[str], TenantHooks] = {}
        self._lock = threading.Lock()

    # Loading ------------------------------------------------------------
    def register_builtin(self, module: Any, name: str) -> None:
        self.pm.register(module, name=name)
        self.pm.check_pending()
        self.builtin_names.add(name)
        self._invalidate()

    def load_entry_points(
        self,
        entry_points: Iterable[importlib.metadata.EntryPoint] | None = None,
        disabled: Iterable[str] = (),
    ) -> None:
        """Load each entry point, guarded; ``disabled`` names are skipped unloaded."""
        if entry_points is None:
            entry_points = discover_entry_points()
        skip = set(disabled)
        by_name: dict[str, list[importlib.metadata.EntryPoint]] = defaultdict(list)
        for ep in entry_points:
            by_name[ep.name].append(ep)
        for name in sorted(by_name):
            if name in skip:
                self.disabled.add(name)
                log.warning("plugin %s is disabled by praxcloud.disabled_plugins; "
                            "tenants that enable it are refused", name)
                continue
            # The same module reached twice (a distribution seen on two paths) is one plugin.
            candidates = {ep.value: ep for ep in by_name[name]}
            if len(candidates) > 1:
                self._duplicate(name, sorted(candidates))
                continue
            self._load_one(next(iter(candidates.values())))
        self._invalidate()

    def register_plugin(self, plugin: Any, name: str, distribution: str = "",
                        version: str = "") -> bool:
        """Register a plugin object that is not an entry point (embedding, tests, benchmarks).

        Guarded exactly like an entry point; returns whether it is usable.
        """
        if self._name_taken(name):
            self._duplicate(name, [repr(plugin)])
            return False
        ok = self._add(name, plugin, distribution, version)
        self._invalidate()
        return ok

    def mark_broken(self, name: str, reason: str) -> None:
        """Take a plugin out of service: unregistered, refused to every tenant that enables it."""
        self.broken[name] = reason
        self.infos.pop(name, None)
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)
        self._invalidate()

    def _name_taken(self, name: str) -> bool:
        return (name in self.infos or name in self.builtin_names or name in self.broken
                or self.pm.has_plugin(name))

    def _duplicate(self, name: str, sources: list[str]) -> None:
        # Which copy would win depends on install order: refuse the name altogether.
        log.error("plugin %s is registered more than once (%s); tenants that enable it "
                  "are refused", name, ", ".join(sources))
        if name in self.builtin_names:
            self.broken[name] = f"plugin name {name!r} is taken by the core"
            return
        self.mark_broken(name, f"plugin name {name!r} is registered more than once: "
                               + ", ".join(sources))

    def _load_one(self, ep: importlib.metadata.EntryPoint) -> None:
        name = ep.name
        if self._name_taken(name):
            self._duplicate(name, [ep.value])
            return
        try:
            module = ep.load()
        except Exception:
            self.broken[name] = traceback.format_exc(limit=5)
            log.exception("plugin %s failed to load; tenants that enable it are refused", name)
            return
        dist = getattr(ep, "dist", None)
        self._add(name, module, dist.name if dist else "", dist.version if dist else "")

    def _add(self, name: str, plugin: Any, distribution: str, version: str) -> bool:
        if not PLUGIN_NAME_RE.match(name):
            self.broken[name] = (f"plugin name {name!r} is not allowed: lower-case letters, "
                                 "digits, '-' and '_', at most 64 characters")
            log.error("plugin %s: %s", name, self.broken[name])
            return False
        try:
            # Subset callers keep the plugins to leave out in a set.
            hash(plugin)
            self.pm.register(plugin, name=name)
        except Exception:
            self.broken[name] = traceback.format_exc(limit=5)
            log.exception("plugin %s failed to register; tenants that enable it are refused",
                          name)
            if self.pm.get_plugin(name) is plugin:
                self.pm.unregister(name=name)
            return False
        try:
            # A misspelt hook name would otherwise be silently never called.
            self.pm.check_pending()
            info = self._read_info(name, plugin, distribution, version)
            _check_settings_schema(info.settings_schema)
        except Exception:
            self.broken[name] = traceback.format_exc(limit=5)
            log.exception("plugin %s is invalid; tenants that enable it are refused", name)
            self.pm.unregister(name=name)
            return False
        self.infos[name] = info
        return True

    def _read_info(self, name: str, plugin: Any, distribution: str, version: str) -> PluginInfo:
        impl = getattr(plugin, "praxcloud_plugin_info", None)
        data = dict(impl() or {}) if impl else {}
        if data.get("name", name) != name:
            raise PluginError(f"plugin_info name {data.get('name')!r} != entry point {name!r}")
        return PluginInfo(
            name=name,
            # The installed distribution's metadata is the truth; plugin_info
            # may only fill in for a plugin that is not an installed distribution.
            version=version or str(data.get("version") or ""),
            description=str(data.get("description") or ""),
            settings_schema=data.get("settings_schema")
            or {"type": "object", "properties": {}},
            distribution=distribution,
            tenant_migrations=str(data.get("tenant_migrations") or ""),
            data_origin_keys=_own_purposes(name, data.get("data_origin_keys")),
            hooks=sorted(
                h.name for h in self.pm.get_hookcallers(plugin) or () if h.name.startswith(PROJECT)
            ),
        )

    # Per-tenant hook callers -------------------------------------------
    def for_tenant(self, enabled: frozenset[str]) -> TenantHooks:
        hooks = self._tenant_hooks.get(enabled)
        if hooks is None:
            with self._lock:
                hooks = self._tenant_hooks.setdefault(enabled, TenantHooks(self, enabled))
        return hooks

    def _subset_caller(self, name: str, enabled: frozenset[str]):
        # Leave out every registered plugin the tenant has not enabled, not
        # only those with an info: whatever got registered is never called
        # for a tenant that did not ask for it.
        leave_out = [
            plugin
            for plugin_name, plugin in self.pm.list_name_plugin()
            if plugin is not None and plugin_name not in self.builtin_names
            and plugin_name not in enabled
        ]
        return self.pm.subset_hook_caller(name, remove_plugins=leave_out)

    def _invalidate(self) -> None:
        # Cached callers captured the plugin set they were made with.
        with self._lock:
            self._tenant_hooks = {}

    @property
    def hook(self):
        """Every installed plugin: for start-up hooks only (includeme, cli, periodic tasks)."""
        return self.pm.hook

    # Contracts ------------------------------------------------------------
    def broken_among(self, enabled: Iterable[str]) -> list[str]:
        """The enabled plugins that cannot run here: broken, disabled or not installed."""
        return sorted(name for name in enabled if name not in self.infos)

    def info(self, name: str) -> PluginInfo:
        if name in self.broken:
            raise PluginError(f"plugin {name!r} is installed but broken")
        if name in self.disabled:
            raise PluginError(f"plugin {name!r} is disabled on this platform "
                              "(praxcloud.disabled_plugins)")
        try:
            return self.infos[name]
        except KeyError:
            raise UnknownPlugin(f"no plugin named {name!r} is installed") from None

    def tenant_settings(self, tenant, name: str) -> dict[str, Any]:
        """A tenant's settings of plugin ``name``, defaults filled in for keys added since."""
        return {**self.info(name).defaults(), **tenant.plugin_settings(name)}

    def validate_settings(self, name: str, settings: dict[str, Any]) -> dict[str, Any]:
        """Return defaults merged with ``settings``, or raise PluginError listing each bad field."""
        info = self.info(name)
        if not isinstance(settings, dict):
            raise PluginError(f"settings for plugin {name!r} must be an object",
                              {"settings": "must be an object"})
        merged = {**info.defaults(), **settings}
        validator = jsonschema.Draft202012Validator(info.settings_schema)
        # In words, never quoting a value: a secret's least of all.
        fields = field_messages(validator.iter_errors(merged), required="this setting is required",
                                unknown="unknown setting", whole="settings")
        if fields:
            raise PluginSettingsInvalid(f"invalid settings for plugin {name!r}", fields)
        return merged


def _own_purposes(name: str, purposes: Any) -> tuple[str, ...]:
    """``data_origin_keys`` as declared, each of the plugin's own purposes.

    A plugin names only its own keys: one that named another's (the backup
    plugin's repository password, the core's) would hand a restored copy the
    source's key for it.
    """
    if purposes is None:
        return ()
    if not isinstance(purposes, (list, tuple)) or not all(
            isinstance(purpose, str) for purpose in purposes):
        raise PluginError("data_origin_keys must be a list of tenant_key purposes")
    for purpose in purposes:
        if purpose != name and not purpose.startswith((f"{name}/", f"{name}.")):
            raise PluginError(f"data_origin_keys names {purpose!r}, not a purpose of plugin "
                              f"{name!r} (its name, or its name and / or .)")
    return tuple(sorted(set(purposes)))


def _check_settings_schema(schema: Any) -> None:
    """A usable settings schema: valid draft 2020-12, an object, defaults that validate."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise PluginError('settings_schema must be a JSON Schema with "type": "object"')
    jsonschema.Draft202012Validator.check_schema(schema)
    for key, spec in (schema.get("properties") or {}).items():
        if isinstance(spec, dict) and "default" in spec:
            errors = list(jsonschema.Draft202012Validator(spec).iter_errors(spec["default"]))
            if errors:
                raise PluginError(f"the default of setting {key!r} does not match its schema: "
                                  f"{errors[0].message}")
