"""The PraxCloud core: tenants, users, sessions, records, and the plugin host.

``includeme`` wires the core in a deliberate order: services on the registry
first (keys, databases, password hashing, plugins), then request context and
security, then the views, and last the plugins' own ``includeme`` so that
they can build on everything the core has set up.
"""

from __future__ import annotations

import logging

from .config import setting_bool
from .crypto import KeyRing
from .passwords import make_context
from .plugins import PluginHost
from .tenancy import Tenancy

log = logging.getLogger(__name__)


def build_plugin_host(settings) -> PluginHost:
    from . import local_auth

    host = PluginHost()
    host.register_builtin(local_auth, local_auth.NAME)
    if setting_bool(settings, "praxcloud.load_plugins", True):
        host.load_entry_points()
    return host


def install_services(registry) -> None:
    """Registry services shared by web, worker and CLI processes."""
    settings = registry.settings
    settings["praxcloud.secure_cookies_bool"] = setting_bool(settings, "praxcloud.secure_cookies")
    registry.keyring = KeyRing.from_settings(settings)
    registry.tenancy = Tenancy(settings, registry.keyring)
    registry.password_context = make_context(settings)
    registry.plugin_host = build_plugin_host(settings)


def include_plugins(config) -> None:
    """Each plugin's includeme, one by one; one that fails is marked broken, not fatal."""
    host = config.registry.plugin_host
    for impl in reversed(host.pm.hook.praxcloud_includeme.get_hookimpls()):
        try:
            impl.function(config=config)
            config.commit()
        except Exception as exc:
            log.exception("plugin %s failed in includeme; tenants that enable it are refused",
                          impl.plugin_name)
            host.broken[impl.plugin_name] = f"includeme failed: {exc!r}"
            host.infos.pop(impl.plugin_name, None)


def includeme(config) -> None:
    install_services(config.registry)
    config.include("pyramid_tm")
    config.include("pyramid_jinja2")
    config.include(".mail")
    config.include(".request_context")
    config.include(".security")
    config.include(".csrf")
    config.include(".audit")
    config.include(".tweens")
    config.include(".views_support")
    config.include(".assets")
    config.include(".flash")
    config.include(".console")
    config.include(".platform_console")
    config.include(".api")
    config.scan(".denials")
    config.commit()
    include_plugins(config)
