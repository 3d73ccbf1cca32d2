"""Logging in as a user would: through the API's login, or the console's login form.

Only the real flows: a test that logs in this way also proves that the
user can, and a plugin's pre-authentication hooks and required actions run
as they do for a person.
"""

from __future__ import annotations

# Every test user's password unless a test says otherwise: a fixture, not a secret.
PASSWORD = "correct horse battery staple"  # noqa: S105
# The console form field (and X-CSRF-Token header) Pyramid's CSRF check reads.
CSRF_FIELD = "csrf_token"


def api_login(testapp, slug: str, email: str, password: str = PASSWORD) -> str:
    """A session token from ``POST /api/v1/{slug}/auth/login``; fails when no token is given."""
    answer = testapp.post_json(f"/api/v1/{slug}/auth/login",
                               {"email": email, "password": password}).json
    assert "token" in answer, f"{email} at {slug} got no token (a second factor?): {answer}"
    return answer["token"]


def bearer(token: str) -> dict:
    """The headers that send ``token`` to the API."""
    return {"Authorization": f"Bearer {token}"}


def console_login(testapp, slug: str, email: str, password: str = PASSWORD):
    """Fill and send ``/{slug}/login`` as a browser would; the page the login led to.

    Fails unless the answer opened a console session (wrong password,
    a second factor still to give, an inactive user).
    """
    from praxcloud.core.security import CONSOLE_COOKIE

    form = testapp.get(f"/{slug}/login").forms["login-form"]
    form["email"] = email
    form["password"] = password
    page = form.submit()
    assert page.status_int == 303, f"{email} at {slug}: the login form answered {page.status}"
    assert testapp.cookies.get(CONSOLE_COOKIE), (
        f"{email} at {slug}: no console session after the login form "
        f"(led to {page.headers.get('Location')})")
    # Required actions (enrolment, terms) may redirect again; a page is where it stops.
    for _ in range(5):
        if page.status_int not in (301, 302, 303, 307):
            break
        page = page.follow()
    return page


def csrf_token_of(page) -> str:
    """The CSRF token in a console page's forms (every logged-in page has the logout form)."""
    found = page.html.find("input", attrs={"name": CSRF_FIELD})
    assert found is not None, f"no {CSRF_FIELD} field on {page.request.path}"
    return found["value"]
