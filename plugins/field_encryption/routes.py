"""The plugin's routes: the administrators' page and their API."""

from __future__ import annotations

from praxcloud.plugin import add_plugin_routes

CONSOLE_ROUTES = (("field_encryption.status", "/{tenant}/encryption"),
                  ("field_encryption.rotate", "/{tenant}/encryption/rotate"))
API_ROUTES = {"field_encryption.api.status": ("/api/v1/{tenant}/encryption", ("GET",)),
              "field_encryption.api.rotate": ("/api/v1/{tenant}/encryption/rotate", ("POST",))}


def add_routes(config) -> None:
    add_plugin_routes(config, CONSOLE_ROUTES, API_ROUTES)
