"""The plugin's routes: the administrators' page and their API."""

from __future__ import annotations

CONSOLE_ROUTES = (("lockdown.manage", "/{tenant}/locked-users"),
                  ("lockdown.unlock", "/{tenant}/locked-users/{id}/unlock"))
API_ROUTES = {"lockdown.api.locks": ("/api/v1/{tenant}/locked-users", ("GET",)),
              "lockdown.api.unlock": ("/api/v1/{tenant}/locked-users/{id}/unlock", ("POST",))}


def add_routes(config) -> None:
    for name, pattern in CONSOLE_ROUTES:
        config.add_route(name, pattern, tenant_slug=True)
    for name, (pattern, _methods) in API_ROUTES.items():
        config.add_route(name, pattern)
