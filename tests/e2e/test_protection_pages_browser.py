"""A real browser on the administrators' pages of the protection plugins (issue 12).

slowdown, lockdown, ipwhitelist and waf each add a page to the tenant console's
menu. After some failed logins, an escalation attempt and an attack (sent through
WebTest to the same app), an administrator opens each page in headless Chromium:
the page shows what happened, holds no Content-Security-Policy violation, and is
photographed at desktop and phone width (test-artifacts/protection-*.png).
"""

from __future__ import annotations

import pytest

from praxcloud.testing import PASSWORD, api_login, bearer
from tests.e2e.test_console_browser import Tour, browser, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

PAGES = [
    ("slowdown", "/acme/slowdown", "Slowed logins", "staff@acme.test"),
    ("lockdown", "/acme/locked-users", "Locked users", "reader@acme.test"),
    ("ipwhitelist", "/acme/allowed-networks", "Allowed networks", "Your address"),
    ("waf", "/acme/waf", "Blocked requests", "GET /acme/login"),
]


@pytest.fixture
def incidents(server, enable_plugin, testapp, make_user):  # noqa: F811
    for name in ("slowdown", "lockdown", "ipwhitelist", "waf"):
        enable_plugin("acme", name)
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": "wrong password here"},
                      status=401)
    reader = bearer(api_login(testapp, "acme", "reader@acme.test"))
    testapp.post_json("/api/v1/acme/users", {"email": "me2@acme.test", "groups": ["admin"]},
                      headers=reader, status=403)
    testapp.get("/acme/login", {"q": "' OR '1'='1' --"}, status=403)
    return server


def test_each_protection_page_shows_what_happened(incidents, browser, backend):  # noqa: F811
    tour = Tour(browser, incidents, backend)
    tour.artifact_prefix = "protection"
    tour.open("/acme/login")
    tour.type("f-email", "admin@acme.test")
    tour.type("f-password", PASSWORD)
    tour.submit("#login-form")
    menu = tour.css("header nav").text
    for name, path, title, shown in PAGES:
        assert title in menu
        tour.open(path)
        assert tour.css("h1").text == title
        assert shown in tour.main_text(), name
        browser.set_window_size(1280, 900)
        tour.shot(f"{name}-desktop")
        browser.set_window_size(360, 800)
        tour.shot(f"{name}-phone")
        browser.set_window_size(1280, 900)
    violations = [entry for entry in tour.log
                  if "Content Security Policy" in entry.get("message", "")]
    assert violations == []
