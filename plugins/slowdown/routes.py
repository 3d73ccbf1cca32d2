"""The plugin's routes: the unlock link, the administrators' page, their API."""

from __future__ import annotations

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
    for name, pattern in CONSOLE_ROUTES:
        config.add_route(name, pattern, tenant_slug=True)
    for name, (pattern, _methods) in API_ROUTES.items():
        config.add_route(name, pattern)
