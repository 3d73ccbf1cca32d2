"""A real browser on the platform operators' WAF page (issue 12), next to the tenant pages of
test_protection_pages_browser.py.

Two tenants enable the waf plugin and are attacked (through WebTest, on the same app); an
operator logs in to the platform console in headless Chromium, opens *Blocked requests*
from the menu, blocks an address for one tenant, and the page is photographed at desktop
and phone width (test-artifacts/operator-waf-*.png) with no Content-Security-Policy
violation in the console log.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_console_browser import Tour, browser, server  # noqa: F401 - fixtures
from tests.platform_console.conftest import (  # noqa: F401 - make_operator is a fixture
    OPERATOR_EMAIL,
    OPERATOR_PASSWORD,
    make_operator,
)

pytestmark = pytest.mark.browser

ATTACKER = "203.0.113.66"
BLOCKED = "198.51.100.23"


@pytest.fixture
def attacked(server, make_tenant, enable_plugin, testapp, make_operator):  # noqa: F811
    enable_plugin("acme", "waf")
    make_tenant("beta", "Beta Clinic", plugins={"waf": {"incident_retention_days": 30}})
    for _ in range(3):
        testapp.get("/acme/login", {"q": "' OR '1'='1' --"},
                    extra_environ={"REMOTE_ADDR": ATTACKER}, status=403)
    testapp.get("/api/v1/beta/records", {"q": "<img src=x onerror=alert(1)>"}, status=403)
    testapp.get("/beta/login", {"next": "../../../../etc/passwd"}, status=403)
    make_operator()
    return server


def test_the_operators_waf_page(attacked, browser, backend):  # noqa: F811
    tour = Tour(browser, attacked, backend)
    tour.artifact_prefix = "operator-waf"
    tour.open("/platform/login")
    tour.type("email", OPERATOR_EMAIL)
    tour.type("password", OPERATOR_PASSWORD)
    tour.submit("form[action$='/platform/login']")
    assert "Blocked requests" in tour.css("header nav").text
    tour.click_link("Blocked requests")
    assert tour.path() == "/platform/waf"
    assert tour.css("h1").text == "Blocked requests"
    text = tour.main_text()
    assert "GET /acme/login" in text and ATTACKER in text and "/api/v1/beta/records" in text
    tour.type("f-beta-address", BLOCKED)
    tour.type("f-beta-hours", "6")
    tour.submit("#block-beta")
    assert tour.path() == "/platform/waf?tenant=beta"
    assert BLOCKED in tour.css("#blacklist-beta").text
    tour.open("/platform/waf")
    for width, height, name in ((1280, 900, "desktop"), (360, 800, "phone")):
        browser.set_window_size(width, height)
        tour.settle()
        tour.shot(name)
    browser.set_window_size(1280, 900)
    violations = [entry for entry in tour.log
                  if "Content Security Policy" in entry.get("message", "")]
    assert violations == []
