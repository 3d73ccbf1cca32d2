"""View options shared by core and plugins.

- ``plugin="NAME"``: the view answers 404 for tenants that have not enabled plugin NAME.
- :func:`api_view`: a JSON API view (JSON renderer, no CSRF since the API is
  authenticated by a header, not by an ambient cookie).
- :func:`json_body`: the request's JSON object, checked before any view sees it.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from pyramid.viewderivers import INGRESS

from . import json_numbers
from .errors import ApiError
from .schema_messages import path_name

# Deeper than any body the API documents; bounds the work a crafted body can cause.
MAX_JSON_DEPTH = 16


def plugin_gate(view, info):
    name = info.options.get("plugin")
    if not name:
        return view

    def gated(context, request):
        if not request.plugin_enabled(name):
            raise HTTPNotFound()
        return view(context, request)

    return gated


plugin_gate.options = ("plugin",)


def api_view(**settings):
    settings.setdefault("renderer", "json")
    settings.setdefault("require_csrf", False)
    return view_config(**settings)


def no_content(request) -> Response:
    """A 204 answer: no body, and so no Content-Type either (RFC 9110)."""
    response = request.response
    response.status = 204
    response.headers.pop("Content-Type", None)
    return response


def _bad_text(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    if "\x00" in value:
        return "NUL characters are not allowed"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate escape (\\ud800): no database can store it as UTF-8.
        return "contains an invalid unicode escape"
    return None


def check_json_text(body) -> dict[str, str]:
    """Problems with the strings (keys and values), numbers and depth of a parsed body, by path.

    Numbers no database can store (``1e999999``, a 30-digit integer) were left
    by :func:`json_numbers.loads` as markers; each is named here, so the
    client gets a 422 for that field rather than a 500 from the database.
    """
    problems: dict[str, str] = {}
    stack = [((), body)]
    while stack:
        path, value = stack.pop()
        where = path_name(path)
        if len(path) > MAX_JSON_DEPTH:
            problems.setdefault(where, "nested too deeply")
            continue
        if isinstance(value, str):
            reason = _bad_text(value)
            if reason:
                problems.setdefault(where, reason)
        elif isinstance(value, json_numbers.OutOfRange):
            problems.setdefault(where, value.reason)
        elif isinstance(value, dict):
            for key, item in value.items():
                reason = _bad_text(key)
                if reason:
                    problems.setdefault(where, f"a key {reason.replace('contains ', 'has ')}")
                    continue
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
    return problems


def json_body(request, schema_name: str | None = None) -> dict:
    """The request's JSON object, validated against a component schema of the OpenAPI document."""
    if request.content_type != "application/json":
        raise ApiError("unsupported_media_type", "send the body as application/json", 415)
    try:
        text = (request.body or b"").decode("utf-8")
        if not text.strip():
            raise ApiError("malformed_json", "the request body is empty", 400)
        body = json_numbers.loads(text)
    except (ValueError, RecursionError):
        # UnicodeDecodeError and JSONDecodeError are ValueErrors; a deeply
        # nested body exhausts the parser's recursion before it says so.
        raise ApiError("malformed_json", "the request body is not valid JSON", 400) from None
    if not isinstance(body, dict):
        raise ApiError("invalid_body", "the request body must be a JSON object", 422)
    problems = check_json_text(body)
    if problems:
        raise ApiError("validation_failed", "the request body does not validate", 422, problems)
    if schema_name is not None:
        from .api.schemas import validate

        validate(schema_name, body)
    return body


def includeme(config) -> None:
    # Outermost, before the permission check: a tenant without the plugin
    # gets 404 whoever asks, never a 401/403 telling that the view exists.
    config.add_view_deriver(plugin_gate, under=INGRESS, over="secured_view")


def add_plugin_routes(config, console_routes=(), api_routes=None, platform_routes=()) -> None:
    """A plugin's routes: ``console_routes`` ``(name, "/{tenant}/...")`` pairs (the
    ``{tenant}`` segment checked against reserved words), ``api_routes`` a mapping of
    name to ``("/api/v1/{tenant}/...", methods)``, ``platform_routes`` ``(name,
    "/platform/...")`` pairs for the operators' console."""
    for name, pattern in platform_routes:
        config.add_route(name, pattern)
    for name, pattern in console_routes:
        config.add_route(name, pattern, tenant_slug=True)
    for name, (pattern, _methods) in (api_routes or {}).items():
        config.add_route(name, pattern)



def api_route_patterns(api_routes) -> dict[str, str]:
    """Each API route's pattern by route name, from the ``{name: (pattern, methods)}``
    mapping given to :func:`add_plugin_routes`: the paths of a plugin's OpenAPI part."""
    return {name: pattern for name, (pattern, _methods) in api_routes.items()}


def add_method_not_allowed_views(config, api_routes, plugin: str) -> None:
    """For each API route of ``{name: (pattern, methods)}``, the methods it lacks answer
    405 with ``Allow`` naming ``methods``, as the core's API routes do (404 still for
    tenants without ``plugin``). Views with a ``request_method`` win over these."""
    from .api.errors import method_not_allowed

    for name, (_pattern, methods) in api_routes.items():
        config.add_view(method_not_allowed(list(methods)), route_name=name, renderer="json",
                        require_csrf=False, plugin=plugin)
