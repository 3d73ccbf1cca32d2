"""The plugin's routes: the administrators' page and their API."""

from __future__ import annotations

CONSOLE_ROUTES = (("ipwhitelist.manage", "/{tenant}/allowed-networks"),)
API_ROUTES = {"ipwhitelist.api": ("/api/v1/{tenant}/allowed-networks", ("GET", "PUT"))}


def add_routes(config) -> None:
    for name, pattern in CONSOLE_ROUTES:
        config.add_route(name, pattern, tenant_slug=True)
    for name, (pattern, _methods) in API_ROUTES.items():
        config.add_route(name, pattern)
