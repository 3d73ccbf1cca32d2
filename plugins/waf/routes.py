"""The plugin's routes: the administrators' page and their API, and the operators' page."""

from __future__ import annotations

from praxcloud.plugin import add_plugin_routes

CONSOLE_ROUTES = (("waf.admin", "/{tenant}/waf"),
                  ("waf.blacklist_add", "/{tenant}/waf/blacklist/add"),
                  ("waf.blacklist_remove", "/{tenant}/waf/blacklist/remove"))
API_ROUTES = {"waf.api.incidents": ("/api/v1/{tenant}/waf/incidents", ("GET",)),
              "waf.api.blacklist": ("/api/v1/{tenant}/waf/blacklist", ("GET", "POST")),
              "waf.api.blacklist_remove": ("/api/v1/{tenant}/waf/blacklist/remove", ("POST",))}
# In the platform operators' console: every enabling tenant ({slug} names one).
PLATFORM_ROUTES = (("waf.platform", "/platform/waf"),
                   ("waf.platform_blacklist_add", "/platform/waf/{slug}/blacklist/add"),
                   ("waf.platform_blacklist_remove", "/platform/waf/{slug}/blacklist/remove"))


def add_routes(config) -> None:
    add_plugin_routes(config, CONSOLE_ROUTES, API_ROUTES, PLATFORM_ROUTES)
