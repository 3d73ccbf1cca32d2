"""WebTest clients of an app under test: plain, logged in through the API, or the console.

Each client keeps its own cookies, so a test may hold several users'
clients of one app at once.
"""

from __future__ import annotations

import webtest

from .login import CSRF_FIELD, PASSWORD, api_login, console_login, csrf_token_of

# A client on the loopback address, for the host name the app's base URL names.
ENVIRON = {"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}


def new_testapp(app, cls: type[webtest.TestApp] = webtest.TestApp, **kwargs) -> webtest.TestApp:
    return cls(app, extra_environ=dict(ENVIRON), **kwargs)


class ApiClient(webtest.TestApp):
    """A client that sends its user's Bearer token with every request it makes.

    ``client.get(url)``, ``post``, ``put``, ``patch``, ``delete`` and their
    ``*_json`` forms all carry ``Authorization``; headers given to a call
    win, so a test can still send another token or none (``{"Authorization": ""}``).
    """

    token: str
    email: str
    slug: str

    def do_request(self, req, status=None, expect_errors=None):
        if "Authorization" not in req.headers:
            if self.token:
                req.headers["Authorization"] = f"Bearer {self.token}"
        elif not req.headers["Authorization"]:
            del req.headers["Authorization"]
        return super().do_request(req, status=status, expect_errors=expect_errors)


def api_client(app, slug: str, email: str, password: str = PASSWORD) -> ApiClient:
    """A client of ``app`` logged in as ``email`` through ``POST /api/v1/{slug}/auth/login``."""
    client = new_testapp(app, ApiClient)
    client.slug, client.email = slug, email
    client.token = ""  # none yet: the login itself is sent without one
    client.token = api_login(client, slug, email, password)
    return client


class ConsoleClient(webtest.TestApp):
    """A client holding a console session, and the session's CSRF token.

    Every console POST needs the token, in the form field ``csrf_token``
    (:data:`CSRF_FIELD`) or the ``X-CSRF-Token`` header; :meth:`post_form`
    adds it. The token is the session's: it stays valid until the session ends.
    """

    CSRF_FIELD = CSRF_FIELD
    csrf_token: str
    email: str
    slug: str

    def post_form(self, url: str, fields: dict | None = None, **kwargs):
        """POST ``fields`` as a console form would, with the session's CSRF token."""
        return self.post(url, {CSRF_FIELD: self.csrf_token, **(fields or {})}, **kwargs)


def console_client(app, slug: str, email: str, password: str = PASSWORD) -> ConsoleClient:
    """A client of ``app`` logged in as ``email`` through the console's login form."""
    client = new_testapp(app, ConsoleClient)
    client.slug, client.email = slug, email
    page = console_login(client, slug, email, password)
    if page.content_type != "text/html" or page.html.find(
            "input", attrs={"name": CSRF_FIELD}) is None:
        page = client.get(f"/{slug}/")
    client.csrf_token = csrf_token_of(page)
    return client
