"""The PraxCloud core: tenants, users, sessions, records, and the plugin host.

``includeme`` wires the core in a deliberate order: services on the registry
first (keys, databases, password hashing, plugins), then request context and
security, then the views, and last the plugins' own ``includeme`` so that
they can build on everything the core has set up.
"""

from __future__ import annotations

import logging
import sys
import types

from pyramid.config.actions import ActionState

from .api import add_api_catch_all
from .crypto import KeyRing
from .fields import FieldCodecResolver
from .passwords import make_context
from .platform_keys import PlatformKeys
from .plugins import PluginHost
from .settings import install_settings, settings_of
from .tenancy import Tenancy

log = logging.getLogger(__name__)


def build_plugin_host(settings) -> PluginHost:
    """The core's built-in defaults, then every installed plugin not switched off by settings.

    ``praxcloud.load_plugins = false`` loads no entry point at all;
    ``praxcloud.disabled_plugins = name1 name2`` (or PRAXCLOUD_DISABLED_PLUGINS)
    leaves those out without touching code, e.g. a plugin that breaks at import.
    """
    from . import local_auth, mfa

    host = PluginHost()
    host.register_builtin(local_auth, local_auth.NAME)
    host.register_builtin(mfa, mfa.NAME)
    if settings_of(settings).load_plugins:
        host.load_entry_points(disabled=list(settings_of(settings).disabled_plugins))
    return host


def install_services(registry) -> None:
    """Registry services shared by web, worker and CLI processes."""
    settings = registry.settings
    # Parsed once, first: an unknown or malformed praxcloud.* key stops the start here.
    install_settings(registry)
    registry.keyring = KeyRing.from_settings(settings)
    registry.tenancy = Tenancy(settings, registry.keyring)
    # The platform's own secrets and derived values; the master key only wraps their keys.
    registry.platform_keys = PlatformKeys(registry.tenancy)
    registry.password_context = make_context(settings)
    registry.plugin_host = build_plugin_host(settings)
    registry.tenancy.field_codecs = FieldCodecResolver(registry.plugin_host, registry.tenancy)


def include_plugins(config) -> None:
    """Each plugin's includeme, one by one; one that fails is marked broken, not fatal.

    Each runs with a configurator of its own package, so relative names
    (``config.scan(".views")``, ``"templates/x.jinja2"``) resolve inside the
    plugin, and is committed on its own: when it fails, the actions it queued
    are thrown away rather than committed along with the next plugin's.
    """
    host = config.registry.plugin_host
    for impl in reversed(host.pm.hook.praxcloud_includeme.get_hookimpls()):
        name = impl.plugin_name
        try:
            impl.function(config=config.with_package(_package_of(impl.plugin)))
            config.commit()
        except Exception as exc:
            config.action_state = ActionState()
            if name in host.builtin_names:
                raise
            log.exception("plugin %s failed in includeme; tenants that enable it are refused",
                          name)
            host.mark_broken(name, f"includeme failed: {exc!r}")


def _package_of(plugin) -> types.ModuleType:
    if isinstance(plugin, types.ModuleType):
        return plugin
    # A plugin object (class or instance): its defining module.
    return sys.modules[getattr(plugin, "__module__", None) or type(plugin).__module__]


def includeme(config) -> None:
    install_services(config.registry)
    config.include("pyramid_tm")
    config.include("pyramid_jinja2")
    config.include(".mail")
    config.include(".client_address")
    config.include(".shared_state")
    config.include(".login_limits")
    config.include(".tasks")
    config.include(".request_context")
    config.include(".security")
    config.include(".csrf")
    config.include(".audit")
    config.include(".tweens")
    config.include(".views_support")
    config.include(".json_codec")
    config.include(".form_errors")
    config.include(".stepup")
    config.include(".assets")
    config.include(".flash")
    # Routes match in the order added, each one tried a regular expression: the
    # API first, whose requests are the most frequent (no console or platform
    # route matches /api/...), then /platform/... before the console's /{tenant}/....
    config.include(".api")
    config.include(".platform_console")
    config.include(".console")
    config.scan(".denials")
    config.commit()
    include_plugins(config)
    # Plugin routes were added after the API's catch-all; put it back last.
    add_api_catch_all(config)
    # The served OpenAPI document: the core's and each installed plugin's part.
    config.include(".api.document")
    config.commit()
