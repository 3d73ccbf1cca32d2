"""Error pages of the console, as HTML pages in the console's look.

The API answers its errors as JSON (``api/errors.py``) and the platform
console has its own; these views apply only to other paths, chosen by the
``path_info`` predicate. When no predicate matches, Pyramid falls back to the
API's views for the same exception classes.
"""

from __future__ import annotations

from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import exception_view_config, notfound_view_config

from ..errors import TenantUnavailable
from ..escalations import check_foreign_csrf_token
from ..stepup import ReauthRequired, come_back_to

# Everything but the API, the platform console and static assets.
CONSOLE_PATHS = r"^/(?!api(/|$)|platform(/|$)|static/)"

TEXTS = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "You do not have permission to open this page. "
                         "If your work needs it, ask an administrator of your institution."),
    404: ("Page not found", "There is no page at this address. "
                            "The link may be mistyped, or what it pointed to no longer exists."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("Too large", "What you sent is larger than this site accepts."),
}
CSRF_FAILED = ("Your form has expired or did not come from this site, so nothing was saved. "
               "Go back, reload the page and try again.")


def error_page(request, status: int, title: str | None = None, message: str | None = None,
               headers: dict | None = None) -> Response:
    default_title, default_message = TEXTS.get(status, ("Something went wrong", ""))
    # A fresh response: whatever the failed view put on request.response stays out.
    response = render_to_response(
        "console/error.jinja2",
        {"status": status, "title": title or default_title, "message": message or default_message},
        request=request, response=Response())
    response.status = status
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response


@notfound_view_config(path_info=CONSOLE_PATHS)
def not_found(exc, request):
    return error_page(request, 404)


@exception_view_config(BadCSRFToken, path_info=CONSOLE_PATHS)
@exception_view_config(BadCSRFOrigin, path_info=CONSOLE_PATHS)
def csrf_failed(exc, request):
    check_foreign_csrf_token(request)
    return error_page(request, 400, "Please try again", CSRF_FAILED)


@exception_view_config(TenantUnavailable, path_info=CONSOLE_PATHS)
def tenant_unavailable(exc, request):
    return error_page(request, exc.status, "Unavailable", exc.message[:1].upper() + exc.message[1:]
                      + ".")


@exception_view_config(ReauthRequired, path_info=CONSOLE_PATHS)
def reauth_required(exc, request):
    """Ask for the password, then come back: to this page, or to the form a POST came from."""
    back = come_back_to(request)
    return HTTPSeeOther(request.route_url("console.reauth", tenant=request.tenant.slug,
                                          _query={"next": back}))


@exception_view_config(HTTPException, path_info=CONSOLE_PATHS)
def http_error(exc, request):
    if exc.status_code < 400:
        return exc
    return error_page(request, exc.status_code)
