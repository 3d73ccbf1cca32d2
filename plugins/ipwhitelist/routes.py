"""The plugin's routes: the administrators' page and their API."""

from __future__ import annotations

from praxcloud.plugin import add_plugin_routes

CONSOLE_ROUTES = (("ipwhitelist.manage", "/{tenant}/allowed-networks"),)
API_ROUTES = {"ipwhitelist.api": ("/api/v1/{tenant}/allowed-networks", ("GET", "PUT"))}


def add_routes(config) -> None:
    add_plugin_routes(config, CONSOLE_ROUTES, API_ROUTES)
