"""Segregation of duties (C11): operators run tenants and contracts, never see tenant data.

- an operator's secret opens nothing under ``/{tenant}/`` or ``/api/v1/{tenant}/``;
- no platform page, whatever the operator does, shows a tenant user's e-mail
  or anything of a record;
- a tenant user's console cookie or API token opens nothing under ``/platform/``.
"""

from __future__ import annotations

import uuid

import pytest
import webtest

from praxcloud.core import contracts
from praxcloud.core import records as record_service
from praxcloud.core.local_auth import find_user_by_email
from praxcloud.core.models import KIND_CONSOLE
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import CONSOLE_COOKIE, OPERATOR_COOKIE, tenant_sessions
from praxcloud.testing import PASSWORD, api_login, bearer

from . import sample_plugin
from .conftest import csrf_of, operator_login

TENANT_PAGES = ["/acme/", "/acme/records", "/acme/users", "/acme/groups", "/acme/audit",
                "/acme/settings", "/acme/plugins", "/acme/account"]
API_PAGES = ["/api/v1/acme/me", "/api/v1/acme/records", "/api/v1/acme/sessions"]
PLATFORM_PAGES = ["/platform/", "/platform/tenants", "/platform/tenants/acme",
                  "/platform/tenants/acme/plugins", "/platform/plugins", "/platform/audit",
                  "/platform/waf", "/platform/backup"]  # plugins' pages for operators


def fresh_client(app) -> webtest.TestApp:
    """A client with an empty cookie jar: each request carries exactly the headers given."""
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                               "REMOTE_ADDR": "127.0.0.1"})


def console_cookie_of(registry, slug: str, email: str) -> str:
    """A live console session for a tenant user, made by the same store the login uses."""
    with tenant_request(registry, slug) as request:
        user = find_user_by_email(request.tenant_db, email)
        token, _ = tenant_sessions(request).create(user, KIND_CONSOLE, "127.0.0.1", "test")
    return token


@pytest.fixture
def marked(tenant, make_user, registry):
    """Tenant acme with a user and a record that carry unique markers."""
    marker = f"zq{uuid.uuid4().hex[:12]}"
    user_email = f"{marker}.user@acme.test"
    make_user("acme", user_email, groups=("staff",))
    with tenant_request(registry, "acme") as request:
        record_service.create(request.tenant_db, {
            "name": f"Record {marker}", "email": f"{marker}.record@example.org",
            "phone": "+41 79 555 01 23", "notes": f"notes {marker}",
            "fields": {"diagnosis": marker},
        })
    return {"marker": marker, "user_email": user_email}


def test_an_operator_secret_opens_nothing_of_a_tenant(app, operator, registry, marked):
    token = operator.cookies[OPERATOR_COOKIE]
    client = fresh_client(app)
    # Whichever cookie name carries it, the operator's secret is not a tenant session.
    cookie = f"{OPERATOR_COOKIE}={token}; {CONSOLE_COOKIE}={token}"
    for path in TENANT_PAGES:
        response = client.get(path, headers={"Cookie": cookie}, status=303)
        assert response.location.startswith("http://localhost/acme/login"), path
    for path in API_PAGES:
        response = client.get(path, headers={"Cookie": cookie, **bearer(token)}, status=401)
        assert response.json["error"]["code"] == "unauthorized"
    # And the operator's own client, cookie jar and all, is a stranger to the tenant.
    assert operator.get("/acme/records", status=303).location.startswith(
        "http://localhost/acme/login")
    assert operator.get("/platform/tenants").status_int == 200


def test_tenant_credentials_open_nothing_of_the_platform(app, registry, marked, make_operator):
    make_operator()
    client = fresh_client(app)
    console_token = console_cookie_of(registry, "acme", "admin@acme.test")
    # The cookie is real: it opens the tenant's console...
    assert client.get("/acme/users",
                      headers={"Cookie": f"{CONSOLE_COOKIE}={console_token}"}).status_int == 200
    api_token = api_login(client, "acme", "admin@acme.test")
    assert client.get("/api/v1/acme/me", headers=bearer(api_token)).json["email"] == \
        "admin@acme.test"
    # ...and nothing of the platform, whichever cookie name or header carries it.
    for path in PLATFORM_PAGES:
        for headers in (
            {"Cookie": f"{CONSOLE_COOKIE}={console_token}"},
            {"Cookie": f"{OPERATOR_COOKIE}={console_token}"},
            bearer(api_token),
            {"Cookie": f"{OPERATOR_COOKIE}={api_token}", **bearer(api_token)},
        ):
            response = client.get(path, headers=headers, status=303)
            assert response.location.startswith("http://localhost/platform/login"), path
    # Nor can it change anything there.
    client.post("/platform/tenants/acme/status", {"status": "suspended"},
                headers={"Cookie": f"{CONSOLE_COOKIE}={console_token}"}, status=303)
    assert client.get("/api/v1/acme/me", headers=bearer(api_token)).status_int == 200


def test_a_tenant_user_cannot_log_in_to_the_platform(app, registry, marked, make_operator):
    make_operator()
    client = fresh_client(app)
    operator_login(client, "admin@acme.test", PASSWORD, status=401)
    operator_login(client, marked["user_email"], PASSWORD, status=401)
    assert client.get("/platform/tenants", status=303).location.startswith(
        "http://localhost/platform/login")


def test_no_platform_page_shows_tenant_users_or_records(app, operator, registry, marked,
                                                       plugins):
    marker, user_email = marked["marker"], marked["user_email"]
    # Give the pages something to show: a contract line, status changes, failed logins
    # by tenant users at the platform's door, and forms sent back with errors.
    contracts.enable(registry, "acme", sample_plugin.NAME,
                     {"api_key": sample_plugin.SECRET_MARKER}, actor="ops@praxcloud.test")
    token = csrf_of(operator.get("/platform/tenants/acme"))
    for status in ("suspended", "active"):
        operator.post("/platform/tenants/acme/status", {"csrf_token": token, "status": status})
    operator_login(fresh_client(app), user_email, PASSWORD, status=401)
    pages = [operator.get(path).maybe_follow() for path in PLATFORM_PAGES]
    pages += [
        operator.get("/platform/audit", {"tenant": "acme"}),
        operator.get("/platform/tenants", {"q": "acme"}),
        operator.post("/platform/tenants/acme/delete", {"csrf_token": token, "confirm": "x"},
                      status=422),
        operator.post("/platform/tenants", {"csrf_token": token, "slug": "acme", "name": "A",
                                            "admin_email": "head@other.test"}, status=409),
        operator.post("/platform/tenants/acme/plugins",
                      {"csrf_token": token, "action": "configure", "plugin": sample_plugin.NAME,
                       "setting.max_notes": "0"}, status=422),
    ]
    for page in pages:
        text = page.text
        assert marker not in text, page.request.url
        assert user_email not in text and "@acme.test" not in text, page.request.url
        assert "+41 79 555" not in text and sample_plugin.SECRET_MARKER not in text
    # The pages did show what operators do see.
    assert "Acme Care" in pages[1].text and sample_plugin.NAME in pages[3].text
    assert "tenant.suspend" in pages[5].text
