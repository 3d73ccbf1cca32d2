"""The OpenAPI document, public so clients and fuzzers can read it."""

from __future__ import annotations

from ..views_support import api_view


@api_view(route_name="api.openapi", request_method="GET")
def openapi(request):
    # The core's operations and every installed plugin's (api/document.py).
    return request.registry.openapi_document
