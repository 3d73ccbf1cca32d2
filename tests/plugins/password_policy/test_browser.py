"""A real browser: the strength meter under the console's CSP, a refusal, the advice marks.

Headless Chromium types passwords into *Your account* as a person would; the
vendored zxcvbn-ts runs in the page (no inline script: the browser's log
must show no Content-Security-Policy violation) and says in words how
strong each is. Screenshots at desktop and phone width land in
test-artifacts/password_policy-*.png.
"""

from __future__ import annotations

import pytest

from praxcloud.testing import PASSWORD
from tests.e2e.test_console_browser import Tour, browser, server  # noqa: F401 - fixtures

from .conftest import GOOD, NAME

pytestmark = pytest.mark.browser


def meter_text(tour, wanted: str) -> str:
    """The meter's words once they contain ``wanted`` (it updates after a short pause)."""
    tour.wait.until(lambda _d: wanted in tour.css(".pw-meter-text").text)
    return tour.css(".pw-meter-text").text


def log_in(tour, email: str) -> None:
    tour.open("/acme/login")
    tour.type("f-email", email)
    tour.type("f-password", PASSWORD)
    tour.submit("#login-form")


def test_the_meter_speaks_in_words_and_the_server_decides(server, browser, backend,  # noqa: F811
                                                          enable_plugin):
    enable_plugin("acme", NAME)
    tour = Tour(browser, server, backend)
    tour.artifact_prefix = NAME
    log_in(tour, "staff@acme.test")
    tour.open("/acme/account")
    assert "At least 15 characters." in tour.by_id("h-new_password").text

    tour.type("f-new_password", "password")
    assert "15" in meter_text(tour, "Too short")
    tour.type("f-new_password", "passwordpassword")
    assert "Very weak" in meter_text(tour, "weak")
    tour.shot("00-meter-weak")
    tour.type("f-new_password", GOOD)
    meter_text(tour, "Very strong")
    assert tour.css(".pw-meter-bar").get_attribute("value") == "4"
    tour.shot("01-meter-strong")
    browser.set_window_size(360, 800)
    tour.shot("02-meter-phone")
    browser.set_window_size(1280, 900)

    # The meter only advises: a common password is refused by the server, with the reason.
    tour.type("f-current_password", PASSWORD)
    tour.type("f-new_password", "passwordpassword")
    tour.type("f-confirm", "passwordpassword")
    tour.submit("#password-form")
    assert "too common" in tour.by_id("error-new_password").text
    tour.shot("03-refused")

    tour.type("f-current_password", PASSWORD)
    tour.type("f-new_password", GOOD)
    tour.type("f-confirm", GOOD)
    tour.submit("#password-form")
    assert "Your password has been changed" in tour.main_text()
    violations = [entry for entry in tour.log
                  if "Content Security Policy" in entry.get("message", "")]
    assert violations == []


def test_the_plugins_page_marks_settings_against_advice(server, browser, backend,  # noqa: F811
                                                        enable_plugin):
    enable_plugin("acme", NAME, {"require_digit": True, "expire_days": 90})
    tour = Tour(browser, server, backend)
    tour.artifact_prefix = NAME
    log_in(tour, "admin@acme.test")
    tour.open("/acme/plugins")
    marks = tour.all_css(f"#plugin-{NAME} .against-advice")
    assert len(marks) == 2
    assert all("Against NIST/ASVS advice" in mark.text for mark in marks)
    browser.execute_script("arguments[0].scrollIntoView()", tour.css(f"#plugin-{NAME}"))
    tour.shot("04-plugins-page")
    browser.set_window_size(360, 800)
    tour.shot("05-plugins-page-phone")
