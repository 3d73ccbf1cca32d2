"""The plugin's route: the API's description of the caller's password rules."""

from __future__ import annotations

API_ROUTES = {
    "password_policy.api": ("/api/v1/{tenant}/password-policy", ("GET",)),
}


def add_routes(config) -> None:
    for name, (pattern, _methods) in API_ROUTES.items():
        config.add_route(name, pattern)
