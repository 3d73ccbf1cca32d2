"""The platform operators' page: every enabling tenant's incidents and blacklist, and changes.

Operators see what each tenant's administrators see (incident ids, addresses, method
and path, what matched where as a masked shape), for the tenants that enable the
plugin only; they block and unblock an address for one tenant with the platform
console's CSRF token, audited in the tenant's trail (with the address) and the
platform's (without it). Tenant users never reach the page.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from praxcloud.testing import PASSWORD
from tests.platform_console.conftest import (  # noqa: F401 - make_operator is a fixture
    OPERATOR_EMAIL,
    csrf_of,
    make_operator,
    operator_login,
)

NAME = "waf"
ATTACKER = "203.0.113.66"
OTHER = "198.51.100.7"
OPERATOR_ADDRESS = "192.0.2.44"
ATTACK = "' OR '1'='1' --"


def at(address: str) -> dict:
    return {"REMOTE_ADDR": address}


@pytest.fixture
def tenants(make_tenant, make_user, fake_clock):
    make_tenant("acme", "Acme Care", plugins={NAME: {}})
    make_tenant("beta", "Beta Clinic", plugins={NAME: {"incident_retention_days": 30}})
    make_tenant("gamma", "Gamma Home")
    for slug in ("acme", "beta", "gamma"):
        make_user(slug, f"admin@{slug}.test", groups=("admin",))
    return fake_clock


@pytest.fixture
def operator(testapp, make_operator):  # noqa: F811 - the imported fixture
    make_operator()
    operator_login(testapp)
    return testapp


def page_text(page, element_id: str) -> str:
    return page.html.find(id=element_id).get_text(" ", strip=True)


def test_operators_see_each_enabling_tenant(testapp, tenants, operator):
    for _ in range(3):
        testapp.get("/acme/login", {"q": ATTACK}, extra_environ=at(ATTACKER), status=403)
    blocked = testapp.get("/api/v1/beta/records", {"q": "<script>alert(1)</script>"},
                          extra_environ=at(OTHER), status=403).json["error"]["incident"]
    page = operator.get("/platform/waf")
    assert "Blocked requests" in [a.get_text() for a in page.html.select("header nav a")]
    summary = page_text(page, "summary")
    assert "acme" in summary and "beta" in summary and "gamma" not in summary
    assert page.html.find(id="tenant-gamma") is None
    acme = page_text(page, "tenant-acme")
    assert ATTACKER in page_text(page, "blacklist-acme")
    assert acme.count("GET /acme/login") == 3 and "blocked the address" in acme
    assert "query:q" in acme and "' xx 'x'='x' --" in acme  # the shape, masked
    beta = page_text(page, "incidents-beta")
    assert blocked in beta and OTHER in beta and "GET /api/v1/beta/records" in beta
    assert re.search(r"X\d", beta)  # the rules that matched
    # Never the values themselves, never the tenants' people.
    assert ATTACK not in page.text and "alert(1)" not in page.text
    assert "@acme.test" not in page.text and "@beta.test" not in page.text
    one = operator.get("/platform/waf", {"tenant": "beta"})
    assert one.html.find(id="tenant-acme") is None and blocked in one.text
    operator.get("/platform/waf", {"tenant": "gamma"}, status=404)


def test_operators_block_and_unblock_an_address_for_one_tenant(testapp, tenants, operator,
                                                               tenant_request):
    page = operator.get("/platform/waf")
    form = page.forms["block-beta"]
    form["address"], form["hours"] = OTHER, "2"
    form.submit(extra_environ=at(OPERATOR_ADDRESS), status=303)
    testapp.get("/beta/login", extra_environ=at(OTHER), status=403)
    testapp.get("/acme/login", extra_environ=at(OTHER), status=200)
    listed = operator.get("/platform/waf", {"tenant": "beta"})
    assert "blocked in beta for 2 hours" in listed.text
    assert OTHER in page_text(listed, "blacklist-beta")
    listed.forms["remove-beta-1"].submit(extra_environ=at(OPERATOR_ADDRESS), status=303)
    testapp.get("/beta/login", extra_environ=at(OTHER), status=200)

    with tenant_request("beta") as request:
        rows = request.tenant_db.execute(text(
            "SELECT event, actor, ip, details FROM audit_events "
            "WHERE event LIKE 'waf.blacklist%' ORDER BY id")).all()
    assert [(event, actor, ip) for event, actor, ip, _details in rows] == [
        ("waf.blacklist_add", OPERATOR_EMAIL, OPERATOR_ADDRESS),
        ("waf.blacklist_remove", OPERATOR_EMAIL, OPERATOR_ADDRESS)]
    assert OTHER in str(rows[0][3]) and "2" in str(rows[0][3])
    # The platform's trail names the tenant and the operator, never the address.
    audit = operator.get("/platform/audit", {"tenant": "beta"})
    events = [tr.get_text(" ", strip=True) for tr in audit.html.select("tbody tr")]
    assert any("waf.blacklist_add" in row and OPERATOR_EMAIL in row for row in events)
    assert any("waf.blacklist_remove" in row for row in events)
    assert OTHER not in audit.text


def test_a_wrong_address_or_tenant_is_refused(tenants, operator):
    page = operator.get("/platform/waf")
    form = page.forms["block-acme"]
    form["address"], form["hours"] = "not an address", "99999"
    answer = form.submit(status=422)
    section = page_text(answer, "tenant-acme")
    assert "Enter an IPv4 or IPv6 address" in section and "between 0 and 8760" in section
    assert answer.html.find(id="tenant-beta") is None
    token = csrf_of(page)
    for slug in ("gamma", "nowhere"):
        operator.post(f"/platform/waf/{slug}/blacklist/add",
                      {"csrf_token": token, "address": OTHER}, status=404)
    operator.post("/platform/waf/acme/blacklist/add", {"address": OTHER}, status=400)
    assert OTHER not in operator.get("/platform/waf").text


def test_tenant_users_never_reach_the_operators_page(testapp, tenants, console_client):
    admin = console_client("acme", "admin@acme.test", PASSWORD)
    admin.get("/acme/waf", status=200)
    admin.get("/platform/waf", status=303)
    admin.post("/platform/waf/acme/blacklist/add", {"address": OTHER}, status=303)
    testapp.get("/acme/login", extra_environ=at(OTHER), status=200)


def test_a_stale_operator_confirms_first(testapp, tenants, operator, registry):
    from tests.platform_console.test_stepup import age_operator_sessions

    page = operator.get("/platform/waf")
    age_operator_sessions(registry)
    form = page.forms["block-acme"]
    form["address"] = OTHER
    asked = form.submit(headers={"Referer": "http://localhost/platform/waf"}, status=303)
    assert asked.location.endswith("/platform/confirm?next=%2Fplatform%2Fwaf")
    testapp.get("/acme/login", extra_environ=at(OTHER), status=200)
