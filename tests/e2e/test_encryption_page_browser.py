"""A real browser on field_encryption's page (issue 13): what is encrypted, under which key.

An administrator of a tenant that encrypts its fields opens *Encryption* from the
menu in headless Chromium: the page lists the fields and the data key, holds no
Content-Security-Policy violation, and is photographed at desktop and phone width
(test-artifacts/encryption-*.png). The records list still shows plain values.
"""

from __future__ import annotations

import pytest

from praxcloud.testing import PASSWORD
from tests.e2e.test_console_browser import Tour, browser, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_the_encryption_page(server, browser, backend, enable_plugin, api_client):  # noqa: F811
    staff = api_client("acme", "staff@acme.test")
    staff.post_json("/api/v1/acme/records", {"name": "Anna de Vries",
                                             "email": "anna@example.org"}, status=201)
    enable_plugin("acme", "field_encryption")
    tour = Tour(browser, server, backend)
    tour.artifact_prefix = "encryption"
    tour.open("/acme/login")
    tour.type("f-email", "admin@acme.test")
    tour.type("f-password", PASSWORD)
    tour.submit("#login-form")
    assert "Encryption" in tour.css("header nav").text
    tour.open("/acme/encryption")
    assert tour.css("h1").text == "Encryption"
    text = tour.main_text()
    assert "records.email" in text and "Encrypts" in text
    for width, name in ((1280, "desktop"), (360, "phone")):
        browser.set_window_size(width, 900 if width > 400 else 800)
        tour.shot(name)
    browser.set_window_size(1280, 900)
    tour.open("/acme/records")
    assert "anna@example.org" in tour.main_text() or "Anna de Vries" in tour.main_text()
    violations = [entry for entry in tour.log
                  if "Content Security Policy" in entry.get("message", "")]
    assert violations == []
