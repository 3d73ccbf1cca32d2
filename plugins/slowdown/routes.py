"""The plugin's routes: the unlock link, the administrators' page, their API."""

from __future__ import annotations

from praxcloud.plugin import add_plugin_routes

CONSOLE_ROUTES = (
    ("slowdown.unlock", "/{tenant}/slowdown/unlock/{token}"),
    ("slowdown.admin", "/{tenant}/slowdown"),
    ("slowdown.release", "/{tenant}/slowdown/release"),
)
API_ROUTES = {
    "slowdown.api.accounts": ("/api/v1/{tenant}/slowdown/accounts", ("GET",)),
    "slowdown.api.release": ("/api/v1/{tenant}/slowdown/release", ("POST",)),
}


def add_routes(config) -> None:
    add_plugin_routes(config, CONSOLE_ROUTES, API_ROUTES)
