"""A real browser: a login refused for a while counts its seconds down, then lets the person in.

The core's attempt limit is lowered to two failures; the shared state runs
on the test's fake clock, so the server's window moves only when the test
says, while the countdown runs on the browser's own clock (real seconds,
under three of them per wait). Screenshots land in
``test-artifacts/countdown-*.png`` at 1280 and 360 pixels wide; the console
log must show no Content-Security-Policy violation and no script error.
"""

from __future__ import annotations

import re

import pytest

from praxcloud.testing import PASSWORD
from tests.e2e.test_console_browser import (  # noqa: F401 - fixtures used by name
    Tour,
    browser,
    server,
)

pytestmark = pytest.mark.browser

LIMIT = 2
WINDOW = 15 * 60
BUTTON = "#login-form button[type=submit]"


@pytest.fixture
def settings(settings):
    return {**settings, "praxcloud.login_limit_per_client": str(LIMIT)}


class CountdownTour(Tour):
    artifact_prefix = "countdown"

    def attempt(self, password: str) -> None:
        self.type("f-email", "staff@acme.test")
        self.type("f-password", password)
        self.submit("#login-form")

    def seconds(self) -> int:
        return int(self.css("#login-error .countdown").text)

    def flash(self) -> str:
        return self.css("#login-error").text

    def button_enabled(self) -> bool:
        return self.css(BUTTON).is_enabled()

    def within(self, seconds: float):
        """A wait on the browser's clock: short, and polled often."""
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, seconds, poll_frequency=0.05)

    def shot_at(self, name: str, width: int) -> None:
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 640})
        try:
            self.shot(f"{name}-{width}")
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_a_refused_login_counts_down_then_lets_the_person_in(
        server, browser, backend, fake_clock):  # noqa: F811 - the imported fixtures
    tour = CountdownTour(browser, server, backend)
    tour.open("/acme/login")
    for _ in range(LIMIT):
        tour.attempt("wrong password")
        assert "The e-mail address or password is not right." in tour.main_text()
        assert tour.all_css("[data-retry-after]") == []

    tour.attempt("wrong again")
    assert tour.css("#login-error").get_attribute("data-retry-after") == str(WINDOW)
    shown = re.fullmatch(r"Too many login attempts\. Please try again in (\d+) seconds\.",
                         tour.flash())
    assert shown, tour.flash()
    first = int(shown.group(1))
    assert WINDOW - 1 <= first <= WINDOW
    assert not tour.button_enabled()
    # Counted by the browser, one number a second; the ticks are not announced.
    tour.within(2.5).until(lambda _: tour.seconds() < first)
    assert tour.css("#login-error").get_attribute("aria-live") == "off"
    assert not tour.button_enabled()
    for width in (1280, 360):
        tour.shot_at("01-counting", width)

    # Nearly the whole window later, another try: two seconds left.
    fake_clock.advance(WINDOW - 2)
    tour.open("/acme/login")
    tour.attempt(PASSWORD)
    assert tour.css("#login-error").get_attribute("data-retry-after") == "2"
    assert not tour.button_enabled()
    tour.within(2).until(lambda _: tour.flash().endswith("in 1 second."))
    tour.within(2).until(lambda _: tour.flash() == "You can try again now.")
    notice = tour.css("#login-error")
    assert notice.get_attribute("class").split() == ["flash", "info"]
    assert notice.get_attribute("aria-live") == "polite"
    assert tour.button_enabled()
    for width in (1280, 360):
        tour.shot_at("02-try-again", width)

    # The server's window is over too: the password lets the person in.
    fake_clock.advance(2)
    tour.type("f-password", PASSWORD)
    tour.submit("#login-form")
    assert tour.path() == "/acme/"
    assert "Welcome" in tour.main_text()

    tour.log.extend(browser.get_log("browser"))
    violations = [entry["message"] for entry in tour.log
                  if "Content Security Policy" in entry["message"]]
    assert violations == []
    # Chromium logs the refused pages themselves (401, 429), nothing else: no script error.
    expected = re.compile(re.escape(server) + r"/acme/login - "
                          r"Failed to load resource: .* status of (401|429)")
    errors = [entry["message"] for entry in tour.log
              if entry["level"] == "SEVERE" and not expected.match(entry["message"])]
    assert errors == []
