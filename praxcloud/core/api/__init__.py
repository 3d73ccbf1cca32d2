"""The JSON API under ``/api/v1/{tenant}/``: routes here, views by flow in sibling modules."""

from __future__ import annotations

API = "/api/v1/{tenant}"

# (route name, pattern): each pattern is also a path of the OpenAPI document
# (a test holds the two to each other).
ROUTES = (
    ("api.openapi", "/api/v1/openapi.json"),
    ("api.auth.login", API + "/auth/login"),
    ("api.auth.mfa", API + "/auth/mfa"),
    ("api.auth.logout", API + "/auth/logout"),
    ("api.auth.forgot", API + "/auth/forgot-password"),
    ("api.auth.reset", API + "/auth/reset-password"),
    ("api.auth.reauth", API + "/auth/reauth"),
    ("api.me", API + "/me"),
    ("api.me.password", API + "/me/password"),
    ("api.sessions", API + "/sessions"),
    ("api.session", API + "/sessions/{id}"),
    ("api.records", API + "/records"),
    ("api.record", API + "/records/{id}"),
    ("api.users", API + "/users"),
    ("api.user", API + "/users/{id}"),
    ("api.user.sessions", API + "/users/{id}/sessions"),
    ("api.user.second_factors", API + "/users/{id}/second-factors"),
    ("api.user.invitation", API + "/users/{id}/invitation"),
    ("api.audit.subject", API + "/audit/subject"),
)


def includeme(config) -> None:
    from .errors import method_not_allowed
    from .operations import PATHS

    for name, pattern in ROUTES:
        config.add_route(name, pattern)
        # Methods the route lacks answer 405 with Allow, as the document says;
        # views with a request_method predicate win over this one.
        allowed = sorted(method.upper() for method in PATHS[pattern])
        config.add_view(method_not_allowed(allowed), route_name=name, renderer="json",
                        require_csrf=False)
    add_api_catch_all(config)
    config.scan(".")


def add_api_catch_all(config) -> None:
    """Anything else under /api/ is a JSON 404, not an HTML page.

    Routes match in the order they were added and re-adding a route moves it
    to the end, so the core calls this again after the plugins' routes.
    """
    config.add_route("api.unknown", "/api/*rest")
