"""The JSON API under ``/api/v1/{tenant}/``: routes here, views by flow in sibling modules."""

from __future__ import annotations

API = "/api/v1/{tenant}"


def includeme(config) -> None:
    config.add_route("api.openapi", "/api/v1/openapi.json")
    config.add_route("api.auth.login", API + "/auth/login")
    config.add_route("api.auth.mfa", API + "/auth/mfa")
    config.add_route("api.auth.logout", API + "/auth/logout")
    config.add_route("api.auth.forgot", API + "/auth/forgot-password")
    config.add_route("api.auth.reset", API + "/auth/reset-password")
    config.add_route("api.me", API + "/me")
    config.add_route("api.me.password", API + "/me/password")
    config.add_route("api.sessions", API + "/sessions")
    config.add_route("api.session", API + "/sessions/{id}")
    config.add_route("api.records", API + "/records")
    config.add_route("api.record", API + "/records/{id}")
    # Anything else under the API is a JSON 404, not an HTML page.
    config.add_route("api.unknown", "/api/*rest")
    config.scan(".")
