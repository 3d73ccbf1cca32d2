"""The plugin's routes: the administrators' page and their API."""

from __future__ import annotations

from praxcloud.plugin import add_plugin_routes

CONSOLE_ROUTES = (("lockdown.manage", "/{tenant}/locked-users"),
                  ("lockdown.unlock", "/{tenant}/locked-users/{id}/unlock"))
API_ROUTES = {"lockdown.api.locks": ("/api/v1/{tenant}/locked-users", ("GET",)),
              "lockdown.api.unlock": ("/api/v1/{tenant}/locked-users/{id}/unlock", ("POST",))}


def add_routes(config) -> None:
    add_plugin_routes(config, CONSOLE_ROUTES, API_ROUTES)
