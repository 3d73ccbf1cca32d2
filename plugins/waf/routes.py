"""The plugin's routes: the administrators' page and their API."""

from __future__ import annotations

CONSOLE_ROUTES = (("waf.admin", "/{tenant}/waf"),
                  ("waf.blacklist_add", "/{tenant}/waf/blacklist/add"),
                  ("waf.blacklist_remove", "/{tenant}/waf/blacklist/remove"))
API_ROUTES = {"waf.api.incidents": ("/api/v1/{tenant}/waf/incidents", ("GET",)),
              "waf.api.blacklist": ("/api/v1/{tenant}/waf/blacklist", ("GET", "POST")),
              "waf.api.blacklist_remove": ("/api/v1/{tenant}/waf/blacklist/remove", ("POST",))}


def add_routes(config) -> None:
    for name, pattern in CONSOLE_ROUTES:
        config.add_route(name, pattern, tenant_slug=True)
    for name, (pattern, _methods) in API_ROUTES.items():
        config.add_route(name, pattern)
