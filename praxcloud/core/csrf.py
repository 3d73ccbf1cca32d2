"""CSRF tokens for the console.

A logged-in console user's token lives in their server-side session row; a
visitor who is not logged in yet (login and forgot-password forms) gets a
random token in a cookie scoped to the tenant's path (double submit). The
API is not cookie-authenticated and needs no CSRF token.
"""

from __future__ import annotations

import secrets

from pyramid.interfaces import ICSRFStoragePolicy
from zope.interface import implementer

from .settings import settings_of
from .tokens import same

ANON_COOKIE = "praxcloud_csrf"


def cookie_path(request) -> str:
    slug = request.matchdict.get("tenant") if request.matchdict else None
    if slug:
        return f"/{slug}"
    if request.path_info.startswith("/platform"):
        return "/platform"
    return "/"


@implementer(ICSRFStoragePolicy)
class SessionOrCookieCSRF:
    def _session(self, request):
        identity = request.praxcloud_identity
        if identity is not None and identity.kind in ("console", "operator"):
            return identity.session
        return None

    def new_csrf_token(self, request) -> str:
        session = self._session(request)
        token = secrets.token_urlsafe(32)
        if session is not None:
            session.csrf_token = token
            return token
        secure = settings_of(request).secure_cookies

        def set_cookie(_request, response):
            response.set_cookie(
                ANON_COOKIE,
                token,
                path=cookie_path(request),
                httponly=True,
                secure=secure,
                samesite="Lax",
            )

        request.add_response_callback(set_cookie)
        request.environ["praxcloud.new_csrf"] = token
        return token

    def get_csrf_token(self, request) -> str:
        session = self._session(request)
        if session is not None:
            return session.csrf_token or self.new_csrf_token(request)
        token = request.environ.get("praxcloud.new_csrf") or request.cookies.get(ANON_COOKIE)
        return token or self.new_csrf_token(request)

    def check_csrf_token(self, request, supplied_token: str) -> bool:
        session = self._session(request)
        if session is not None:
            expected = session.csrf_token or ""
        else:
            expected = request.cookies.get(ANON_COOKIE, "")
        return bool(expected) and bool(supplied_token) and same(expected, supplied_token)


def includeme(config) -> None:
    config.set_csrf_storage_policy(SessionOrCookieCSRF())
    # token= names the form field, not a secret.
    config.set_default_csrf_options(
        require_csrf=True, token="csrf_token", header="X-CSRF-Token"  # noqa: S106
    )
