"""Attempts the core catches whatever the permissions: a session sent to another tenant's
address, another user's CSRF token replayed. Audited in the user's own tenant; the answer
is the one anybody gets."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from praxcloud.testing import api_login, bearer

STAFF = "staff@acme.test"


@pytest.fixture
def two_tenants(make_tenant, make_user):
    make_tenant("acme", "Acme Care")
    make_tenant("other", "Other Care")
    make_user("acme", STAFF, groups=("staff",))
    make_user("acme", "colleague@acme.test", groups=("staff",))


def attempts(tenant_request, slug: str) -> list[tuple]:
    with tenant_request(slug) as request:
        rows = request.tenant_db.execute(text(
            "SELECT actor, outcome, details FROM audit_events "
            "WHERE event = 'escalation.attempt' ORDER BY id")).all()
    # sqlite hands back the JSON column's text
    return [(actor, outcome, json.loads(details) if isinstance(details, str) else details)
            for actor, outcome, details in rows]


def test_tenant_tokens_name_their_tenant(testapp, two_tenants):
    assert api_login(testapp, "acme", STAFF).startswith("acme.")


def test_a_session_sent_to_another_tenant_is_audited_at_home(testapp, two_tenants,
                                                             tenant_request):
    token = api_login(testapp, "acme", STAFF)
    answer = testapp.get("/api/v1/other/records", headers=bearer(token), status=401)
    assert answer.json["error"]["code"] == "unauthorized"
    (actor, outcome, details), = attempts(tenant_request, "acme")
    assert (actor, outcome) == (STAFF, "failure")
    assert details["kind"] == "foreign_tenant" and details["tenant"] == "other"
    assert attempts(tenant_request, "other") == []
    # Without a plugin that locks, the session lives on in its own tenant.
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=200)


def test_ended_unknown_and_unprefixed_tokens_are_only_refused(testapp, two_tenants,
                                                              tenant_request):
    token = api_login(testapp, "acme", STAFF)
    testapp.post("/api/v1/acme/auth/logout", headers=bearer(token), status=204)
    for presented in (token, "nosuch.abcdef", "acme.", "plain-token-without-a-slug",
                      "acme." + "x" * 300):
        testapp.get("/api/v1/other/records", headers=bearer(presented), status=401)
    assert attempts(tenant_request, "acme") == []


def test_another_users_csrf_token_is_audited(testapp, two_tenants, tenant_request,
                                             console_client):
    colleague = console_client("acme", "colleague@acme.test")
    staff = console_client("acme", STAFF)
    staff.post("/acme/account", {"csrf_token": colleague.csrf_token}, status=400)
    (actor, _outcome, details), = attempts(tenant_request, "acme")
    assert actor == STAFF and details["kind"] == "foreign_token"
    staff.post("/acme/account", {"csrf_token": "stale"}, status=400)
    assert len(attempts(tenant_request, "acme")) == 1
