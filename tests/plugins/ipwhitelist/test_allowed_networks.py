"""ipwhitelist as clients meet it: refused before any login, console and API apart, the
client address from trusted proxies only, and no administrator locking themselves out
without confirming. Written against praxcloud.plugin and praxcloud.testing only."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from praxcloud.testing import PASSWORD, bearer

NAME = "ipwhitelist"
OFFICE = "192.0.2.0/24"
INSIDE = "192.0.2.10"
OUTSIDE = "198.51.100.20"
V6_NET = "2001:db8:1::/48"


def at(address: str) -> dict:
    return {"REMOTE_ADDR": address}


@pytest.fixture
def guarded(make_tenant, make_user):
    make_tenant("acme", "Acme Care", plugins={NAME: {"console_networks": [OFFICE, V6_NET],
                                                    "api_networks": ["203.0.113.0/24"]}})
    make_user("acme", "admin@acme.test", groups=("admin",))
    make_user("acme", "staff@acme.test", groups=("staff",))


def test_the_console_answers_only_its_networks(testapp, guarded, tenant_request):
    testapp.get("/acme/login", extra_environ=at(INSIDE), status=200)
    testapp.get("/acme/login", extra_environ=at("2001:db8:1:5::9"), status=200)
    refused = testapp.get("/acme/login", extra_environ=at(OUTSIDE), status=403)
    assert "Not from this network" in refused.html.get_text()
    # Refused before any login is looked at: no login event, one denial event.
    form_post = testapp.post("/acme/login", {"email": "staff@acme.test", "password": PASSWORD},
                             extra_environ=at(OUTSIDE), status=403)
    assert form_post.status_int == 403
    with tenant_request("acme") as request:
        events = [row[0] for row in request.tenant_db.execute(text(
            "SELECT event FROM audit_events ORDER BY id")).all()]
    assert "login" not in events
    assert events.count("ipwhitelist.denied") == 1  # once per address and side per 10 minutes


def test_the_api_has_a_list_of_its_own(testapp, guarded):
    answer = testapp.post_json("/api/v1/acme/auth/login",
                               {"email": "staff@acme.test", "password": PASSWORD},
                               extra_environ=at(INSIDE), status=403).json
    assert answer["error"]["code"] == "ip_not_allowed"
    testapp.post_json("/api/v1/acme/auth/login", {"email": "staff@acme.test",
                                                  "password": PASSWORD},
                      extra_environ=at("203.0.113.7"), status=200)


def test_other_tenants_and_the_platform_are_not_affected(testapp, guarded, make_tenant):
    make_tenant("globex", "Globex")
    testapp.get("/globex/login", extra_environ=at(OUTSIDE), status=200)
    testapp.get("/platform/login", extra_environ=at(OUTSIDE), status=200)


def test_a_forged_forwarded_header_does_not_get_in(testapp, guarded):
    testapp.get("/acme/login", extra_environ={**at(OUTSIDE),
                                              "HTTP_X_FORWARDED_FOR": INSIDE}, status=403)


@pytest.fixture
def behind_proxy(settings):
    settings["praxcloud.trusted_proxies"] = "10.0.0.1"


def test_behind_the_trusted_proxy_its_entry_decides(behind_proxy, testapp, guarded):
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    testapp.get("/acme/login", extra_environ={**proxy, "HTTP_X_FORWARDED_FOR": INSIDE},
                status=200)
    testapp.get("/acme/login", extra_environ={**proxy, "HTTP_X_FORWARDED_FOR":
                                              f"{INSIDE}, {OUTSIDE}"}, status=403)
    # A client that forges the header straight to the app is not the proxy.
    testapp.get("/acme/login", extra_environ={**at(OUTSIDE), "HTTP_X_FORWARDED_FOR": INSIDE},
                status=403)


def admin_console(testapp):
    form = testapp.get("/acme/login", extra_environ=at(INSIDE)).forms["login-form"]
    form["email"], form["password"] = "admin@acme.test", PASSWORD
    form.submit(status=303, extra_environ=at(INSIDE))
    return testapp


def test_an_admin_must_confirm_a_list_that_locks_them_out(testapp, guarded):
    admin = admin_console(testapp)
    page = admin.get("/acme/allowed-networks", extra_environ=at(INSIDE))
    assert INSIDE in page.html.find(id="your-address").get_text()
    form = page.forms["networks-form"]
    form["console_networks"] = "203.0.113.0/24"
    warned = form.submit(status=422, extra_environ=at(INSIDE))
    assert "leaves out the address you are using" in warned.html.get_text()
    form = warned.forms["networks-form"]
    form["console_networks"] = "203.0.113.0/24\nnot-a-network"
    form["confirm_lockout"] = True
    bad = form.submit(status=422, extra_environ=at(INSIDE))
    assert "not-a-network" in bad.html.get_text()
    form = bad.forms["networks-form"]
    form["console_networks"] = "203.0.113.0/24"
    form["confirm_lockout"] = True
    form.submit(status=303, extra_environ=at(INSIDE))
    admin.get("/acme/", extra_environ=at(INSIDE), status=403)


def test_the_generic_plugins_page_refuses_a_list_that_locks_out(testapp, guarded):
    admin = admin_console(testapp)
    form = admin.get("/acme/plugins", extra_environ=at(INSIDE)).forms[f"plugin-form-{NAME}"]
    form["setting.console_networks"] = "203.0.113.0/24"
    refused = form.submit(status="*", extra_environ=at(INSIDE))
    assert refused.status_int in (400, 422)
    assert "Allowed networks page" in refused.html.get_text()
    admin.get("/acme/", extra_environ=at(INSIDE), status=200)


def test_the_api_changes_lists_and_asks_for_confirmation(testapp, guarded):
    api = at("203.0.113.7")  # the API's own network (the office is the console's)
    token = testapp.post_json("/api/v1/acme/auth/login", {"email": "admin@acme.test",
                                                          "password": PASSWORD},
                              extra_environ=api).json["token"]
    auth = bearer(token)
    shown = testapp.get("/api/v1/acme/allowed-networks", headers=auth, extra_environ=api).json
    assert shown == {"console_networks": [OFFICE, V6_NET], "api_networks": ["203.0.113.0/24"],
                     "your_address": "203.0.113.7"}
    change = {"console_networks": [OFFICE], "api_networks": ["203.0.113.0/24", "2001:db8::/32"]}
    refused = testapp.put_json("/api/v1/acme/allowed-networks", change, headers=auth,
                               extra_environ=api, status=409).json
    assert refused["error"]["code"] == "would_lock_out"
    saved = testapp.put_json("/api/v1/acme/allowed-networks", {**change, "confirm_lockout": True},
                             headers=auth, extra_environ=api).json
    assert saved["api_networks"] == ["203.0.113.0/24", "2001:db8::/32"]
    testapp.put_json("/api/v1/acme/allowed-networks",
                     {"console_networks": ["300.1.1.1/8"], "api_networks": [],
                      "confirm_lockout": True},
                     headers=auth, extra_environ=api, status=422)
