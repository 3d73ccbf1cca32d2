"""The OpenAPI document, public so clients and fuzzers can read it."""

from __future__ import annotations

from ..views_support import api_view
from .schemas import openapi_document


@api_view(route_name="api.openapi", request_method="GET")
def openapi(request):
    return openapi_document()
