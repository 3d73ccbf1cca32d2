"""Every error under /api/ answers JSON ``{"error": {...}}``, never an HTML page or a bare 500."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPException
from pyramid.response import Response
from pyramid.view import exception_view_config, view_config

from ..errors import ApiError, PraxError, json_error

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "body_too_large",
         415: "unsupported_media_type", 422: "validation_failed", 429: "too_many_requests"}


def is_api(request) -> bool:
    # The raw PATH_INFO: decoding it may be what failed.
    return request.environ.get("PATH_INFO", "").startswith("/api/")


@exception_view_config(PraxError)
def api_error(exc, request):
    """Any PraxError a view lets through: its code, message, fields and status.

    (A console form re-renders with the message before it gets here, where
    its view names a page builder: ``console/form_errors.py``.)
    """
    if is_api(request):
        return exc.json_response()
    response = Response(exc.message, status=exc.status, content_type="text/plain")
    for name, value in exc.headers.items():
        response.headers[name] = str(value)
    return response


@exception_view_config(HTTPException)
def api_http_exception(exc, request):
    if not is_api(request) or exc.status_code < 400:
        return exc
    code = CODES.get(exc.status_code, "error")
    message = exc.explanation if exc.status_code != 404 else "no such resource"
    return json_error(exc.status_code, code, message or exc.title)


@exception_view_config(UnicodeDecodeError)
def undecodable(exc, request):
    """A query string, form or header that is not UTF-8: the client's error, not ours."""
    message = "the request is not valid UTF-8"
    if is_api(request):
        return json_error(400, "malformed_request", message)
    return Response(message, status=400, content_type="text/plain")


@exception_view_config(Exception)
def api_unexpected(exc, request):
    log.exception("unexpected error on %s %s", request.method,
                  request.environ.get("PATH_INFO", ""))
    if is_api(request):
        return json_error(500, "internal_error", "something went wrong on our side")
    # A plain answer rather than a re-raise: an exception escaping the app
    # would bypass the security-header tween and any server's error page is
    # out of our hands.
    return Response("Something went wrong on our side.", status=500, content_type="text/plain")


@view_config(route_name="api.unknown", renderer="json", require_csrf=False)
def api_unknown(request):
    raise ApiError("not_found", "no such resource", 404)


def method_not_allowed(allowed: list[str]):
    """A view for the methods an API route does not have: 405 with ``Allow``."""
    allow = ", ".join(allowed)

    def view(request):
        raise ApiError("method_not_allowed", f"this resource allows {allow}", 405,
                       headers={"Allow": allow})

    return view
