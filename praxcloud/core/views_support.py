"""View options shared by core and plugins.

- ``plugin="NAME"``: the view answers 404 for tenants that have not enabled plugin NAME.
- :func:`api_view`: a JSON API view (JSON renderer, no CSRF since the API is
  authenticated by a header, not by an ambient cookie).
"""

from __future__ import annotations

import json

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from .errors import ApiError


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


def json_body(request, schema_name: str | None = None) -> dict:
    """The request's JSON object, validated against a component schema of the OpenAPI document."""
    if request.content_type != "application/json":
        raise ApiError("unsupported_media_type", "send the body as application/json", 415)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError("malformed_json", "the request body is not valid JSON", 400) from None
    if not isinstance(body, dict):
        raise ApiError("invalid_body", "the request body must be a JSON object", 422)
    if schema_name is not None:
        from .api.schemas import validate

        validate(schema_name, body)
    return body


def includeme(config) -> None:
    config.add_view_deriver(plugin_gate)
