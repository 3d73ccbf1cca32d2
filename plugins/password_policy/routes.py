"""The plugin's route: the API's description of the caller's password rules."""

from __future__ import annotations

from praxcloud.plugin import add_plugin_routes

API_ROUTES = {
    "password_policy.api": ("/api/v1/{tenant}/password-policy", ("GET",)),
}


def add_routes(config) -> None:
    add_plugin_routes(config, api_routes=API_ROUTES)
