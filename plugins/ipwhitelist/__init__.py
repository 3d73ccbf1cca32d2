"""ipwhitelist: the tenant's console and API only from the networks it lists (requirement P6).

Registered in setup.cfg as ``ipwhitelist = plugins.ipwhitelist``. Every
request to the tenant (``/{tenant}/...`` and ``/api/v1/{tenant}/...``) is
checked before any login or view (:mod:`.gate`); the client address is the
core's, which believes ``X-Forwarded-For`` only from the proxies in
``praxcloud.trusted_proxies``. Administrators keep the lists on their own
page (:mod:`.console_views`), which will not save a console list that
leaves out the address they are saving it from unless they confirm.
README.md has the rest.
"""

from __future__ import annotations

from pyramid.threadlocal import get_current_request

from praxcloud.plugin import (
    SETTINGS_MANAGE,
    MenuLink,
    OpenApiPart,
    PluginDescription,
    hookimpl,
)

from . import gate
from .config import NAME, SETTINGS_SCHEMA
from .lockout import CONFIRMED, leaves_out, unreadable
from .openapi import openapi_part
from .routes import add_routes


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    return {
        "name": NAME,
        "description": "The tenant's console and API only from the networks it lists (IPv4 "
                       "and IPv6, each side its own list)",
        "settings_schema": SETTINGS_SCHEMA,
    }


@hookimpl
def praxcloud_includeme(config):
    add_routes(config)
    config.scan(".console_views")
    config.scan(".api_views")


@hookimpl
def praxcloud_openapi() -> OpenApiPart:
    return openapi_part()


@hookimpl
def praxcloud_check_request(request):
    return gate.check(request)


@hookimpl
def praxcloud_plugin_settings_changed(tenant, plugin, old, new, tenant_db):
    bad = unreadable({key: new[key] for key in ("console_networks", "api_networks")})
    if bad:
        raise ValueError("; ".join(f"{key}: {message}" for key, message in bad.items()))
    # Saved from a tenant's console (the generic Plugins page, or this plugin's own page
    # without the confirmation): never a list that shuts out the one saving it.
    request = get_current_request()
    if (request is not None and getattr(request, "tenant", None) is not None
            and not request.environ.get(CONFIRMED)
            and leaves_out(new["console_networks"], request)):
        raise ValueError(
            f"the console networks leave out your own address ({request.client_addr}), so "
            "you would be locked out: save them on the Allowed networks page, which asks "
            "you to confirm")


@hookimpl
def praxcloud_menu_links(request) -> list[MenuLink]:
    return [{"title": "Allowed networks", "route": "ipwhitelist.manage",
             "permission": SETTINGS_MANAGE}]
