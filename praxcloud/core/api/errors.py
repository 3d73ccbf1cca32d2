"""Every error under /api/ answers JSON ``{"error": {...}}``, never an HTML page or a bare 500."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPException
from pyramid.view import exception_view_config, view_config

from ..errors import ApiError, json_error

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "body_too_large",
         415: "unsupported_media_type", 422: "validation_failed", 429: "too_many_requests"}


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


@exception_view_config(ApiError)
def api_error(exc, request):
    if is_api(request):
        return json_error(exc.status, exc.code, exc.message, exc.fields, exc.headers)
    from pyramid.response import Response

    return Response(exc.message, status=exc.status, content_type="text/plain")


@exception_view_config(HTTPException, custom_predicates=())
def api_http_exception(exc, request):
    if not is_api(request) or exc.status_code < 400:
        return exc
    code = CODES.get(exc.status_code, "error")
    message = exc.explanation if exc.status_code != 404 else "no such resource"
    return json_error(exc.status_code, code, message or exc.title)


@exception_view_config(Exception)
def api_unexpected(exc, request):
    log.exception("unexpected error on %s %s", request.method, request.path_info)
    if is_api(request):
        return json_error(500, "internal_error", "something went wrong on our side")
    raise exc


@view_config(route_name="api.unknown", renderer="json", require_csrf=False)
def api_unknown(request):
    raise ApiError("not_found", "no such resource", 404)
