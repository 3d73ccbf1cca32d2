"""Cross-cutting request handling, outermost first.

1. ``security_headers``: every response, errors included, gets the headers.
2. ``body_limit``: bodies over ``praxcloud.max_body_bytes`` get 413 unread.
3. ``cors``: API answers carry CORS headers only for the tenant's allowed origins.
4. ``plugin_request_checks``: the tenant's plugins may veto the request
   (IP allowlist, WAF); an error in a check denies (fail closed).
"""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPException, HTTPRequestEntityTooLarge
from pyramid.interfaces import IResponse
from pyramid.response import Response
from pyramid.tweens import EXCVIEW

from .config import setting_list
from .errors import ApiError, json_error
from .settings import settings_of

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def security_headers_factory(handler, registry):
    hsts = settings_of(registry).hsts

    def security_headers(request):
        try:
            request.path_info  # noqa: B018 - decoding it is the check
        except UnicodeDecodeError:
            # Every later layer (routing, error views) reads the path: answer here.
            response = _plain_or_json(request, 400, "malformed_request",
                                      "the request path is not valid UTF-8")
        else:
            response = handler(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # Not "no-referrer": under it browsers send "Origin: null" on same-origin form
        # posts, and Pyramid's CSRF origin check (on HTTPS) refuses every console form.
        # "same-origin" still keeps URLs (reset tokens) from other sites.
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if not request.environ.get("PATH_INFO", "").startswith("/static/"):
            headers.setdefault("Cache-Control", "no-store")
        return response

    return security_headers


def body_limit_factory(handler, registry):
    limit = settings_of(registry).max_body_bytes

    def body_limit(request):
        raw_length = request.environ.get("CONTENT_LENGTH", "")
        if raw_length and not raw_length.strip().isdigit():
            return _plain_or_json(request, 400, "bad_content_length",
                                  "the Content-Length header is not a number of bytes")
        length = request.content_length
        if length is not None and length > limit:
            return _too_large(request, limit)
        if length is None and request.method in ("POST", "PUT", "PATCH"):
            # Chunked or unknown length: read at most one byte more than allowed.
            body = request.body_file_raw.read(limit + 1)
            if len(body) > limit:
                return _too_large(request, limit)
            request.body = body
        return handler(request)

    return body_limit


def _too_large(request, limit: int):
    message = f"the request body is larger than {limit} bytes"
    if _is_api(request):
        return json_error(413, "body_too_large", message)
    return HTTPRequestEntityTooLarge(message)


def _is_api(request) -> bool:
    # The raw PATH_INFO, which is there even when it does not decode.
    return request.environ.get("PATH_INFO", "").startswith("/api/")


def _plain_or_json(request, status: int, code: str, message: str):
    if _is_api(request):
        return json_error(status, code, message)
    return Response(message, status=status, content_type="text/plain")


CORS_ALLOW_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
CORS_ALLOW_HEADERS = "Authorization, Content-Type"
CORS_MAX_AGE = "600"
# Error answers carry these; a browser app may read only what is exposed.
CORS_EXPOSE_HEADERS = "Retry-After, WWW-Authenticate, Allow"


def cors_factory(handler, registry):
    def cors(request):
        if not request.path_info.startswith("/api/v1/"):
            return handler(request)
        origin = request.headers.get("Origin")
        preflight = (request.method == "OPTIONS"
                     and "Access-Control-Request-Method" in request.headers)
        if origin is None:
            response = handler(request)
            # Answers differ by Origin: caches must not hand one to another origin.
            response.headers.add("Vary", "Origin")
            return response
        try:
            tenant = request.tenant
        except Exception:
            tenant = None
        allowed = tenant is not None and origin in setting_list(
            tenant.settings or {}, "cors_origins")
        if preflight:
            if not allowed:
                return json_error(403, "cors_origin_refused", "this origin may not call the API")
            response = Response(status=204)
            response.headers.pop("Content-Type", None)
            response.headers.update({
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": CORS_ALLOW_METHODS,
                "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
                "Access-Control-Max-Age": CORS_MAX_AGE,
                "Vary": "Origin",
            })
            return response
        response = handler(request)
        response.headers.add("Vary", "Origin")
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
        return response

    return cors


def plugin_request_checks_factory(handler, registry):
    def plugin_request_checks(request):
        try:
            tenant = request.tenant
        except (HTTPException, ApiError):
            # Unknown or unavailable tenant: let the view layer answer it.
            return handler(request)
        if tenant is not None and tenant.enabled_plugins:
            try:
                verdict = request.tenant_hooks.praxcloud_check_request(request=request)
            except Exception:
                log.exception("a request check failed for tenant %s; denying", tenant.slug)
                return _denied(request, 503, "check_failed", "the request could not be checked")
            if verdict is not None:
                if not IResponse.providedBy(verdict):
                    # Not a verdict the contract allows (True, a dict, ...): deny.
                    log.error("a request check of tenant %s answered %r, not a Response; "
                              "denying", tenant.slug, type(verdict).__name__)
                    return _denied(request, 503, "check_failed",
                                   "the request could not be checked")
                return verdict
        return handler(request)

    return plugin_request_checks


def _denied(request, status, code, message):
    return _plain_or_json(request, status, code, message)


def includeme(config) -> None:
    settings = config.registry.settings
    # pyramid_tm would otherwise ask the security policy for the user id in
    # its own tween, above the exception views: an unknown or suspended
    # tenant raised there escapes every error view as a bare 500. The
    # transaction's user note is not worth that; read by the tm tween factory
    # when the app is made, so setting it here (after include) is in time.
    settings["tm.annotate_user"] = "false"
    # Order, from the outside in: headers wrap everything, then the size limit,
    # the transaction (pyramid_tm), CORS, plugin checks, then the views.
    config.add_tween("praxcloud.core.tweens.security_headers_factory",
                     over="pyramid_tm.tm_tween_factory")
    config.add_tween("praxcloud.core.tweens.body_limit_factory",
                     under="praxcloud.core.tweens.security_headers_factory",
                     over="pyramid_tm.tm_tween_factory")
    config.add_tween("praxcloud.core.tweens.cors_factory", under="pyramid_tm.tm_tween_factory",
                     over=EXCVIEW)
    config.add_tween("praxcloud.core.tweens.plugin_request_checks_factory",
                     under="praxcloud.core.tweens.cors_factory", over=EXCVIEW)
