"""A real browser drives the staff console: log in, create a record, find it, log out.

The app runs in a waitress server thread on a free loopback port and is
reached as ``http://localhost:PORT``; headless Chromium is driven through
Selenium with the system chromedriver (no driver download). Screenshots
of each step land in ``test-artifacts/`` at the repository root, and the
browser's console log must show no Content-Security-Policy violation.
"""

from __future__ import annotations

import base64
import os
import re
import threading
from pathlib import Path

import pytest

from praxcloud.testing import PASSWORD, need

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--window-size=1280,900", "--lang=en-US")
WAIT_SECONDS = 20


@pytest.fixture
def server(app, tenant):
    """The app behind a real HTTP server in a thread; yields its base URL."""
    from waitress import create_server

    http = create_server(app, host="127.0.0.1", port=0, threads=4,
                         clear_untrusted_proxy_headers=True)
    thread = threading.Thread(target=http.run, name="console-e2e-server", daemon=True)
    thread.start()
    yield f"http://localhost:{http.effective_port}"
    http.close()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    need(os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER),
         "headless Chromium and chromedriver are not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


class Tour:
    """Small steps of a person using the console, with a screenshot after each."""

    # Screenshots are test-artifacts/<prefix>-<name>.png.
    artifact_prefix = "console"

    def __init__(self, driver, base: str, backend: str):
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.base = base
        self.backend = backend
        self.wait = WebDriverWait(driver, WAIT_SECONDS)
        self.log: list[dict] = []
        ARTIFACTS.mkdir(exist_ok=True)

    def by_id(self, element_id: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.ID, element_id)

    def css(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all_css(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)
        self.settle()

    def type(self, element_id: str, text: str) -> None:
        field = self.by_id(element_id)
        field.clear()
        field.send_keys(text)

    def submit(self, form_selector: str) -> None:
        """Click the form's submit button and wait for the next page to load."""
        button = self.css(f"{form_selector} button[type=submit]")
        button.click()
        self.wait.until(left_the_page(button))
        self.settle()

    def click_link(self, text: str) -> None:
        from selenium.webdriver.common.by import By

        link = self.driver.find_element(By.LINK_TEXT, text)
        link.click()
        self.wait.until(left_the_page(link))
        self.settle()

    def settle(self) -> None:
        self.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
        self.log.extend(self.driver.get_log("browser"))

    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base)

    def main_text(self) -> str:
        return self.css("main").text

    def shot(self, name: str) -> Path:
        """A screenshot of the whole page, not just the window, so long lists are seen whole."""
        path = ARTIFACTS / f"{self.artifact_prefix}-{name}.png"
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000),
                "scale": 1}
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "clip": clip})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


def left_the_page(element):
    """A wait condition: ``element``'s page has been replaced by the next one.

    Selenium's ``staleness_of`` only expects StaleElementReferenceException;
    while the old page is being torn down Chromium may instead answer
    "Node with given id does not belong to the document", which means the same.
    """
    from selenium.common.exceptions import WebDriverException

    def gone(_driver) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:
            return True
        return False

    return gone


def test_log_in_create_a_record_find_it_and_log_out(server, browser, backend):
    tour = Tour(browser, server, backend)

    tour.open("/acme/")
    assert tour.path() == "/acme/login?next=%2Facme%2F"
    assert browser.title == "Log in · Acme Care · PraxCloud"
    tour.shot("01-login")

    tour.type("f-email", "staff@acme.test")
    tour.type("f-password", "not the password")
    tour.submit("#login-form")
    assert "The e-mail address or password is not right." in tour.main_text()
    assert tour.by_id("f-email").get_attribute("value") == "staff@acme.test"
    tour.shot("02-login-failed")

    tour.type("f-password", PASSWORD)
    tour.submit("#login-form")
    assert tour.path() == "/acme/"
    assert "Welcome" in tour.main_text()
    cookie = browser.get_cookie("praxcloud_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/acme"
    tour.shot("03-dashboard")

    tour.click_link("Records")
    assert tour.path() == "/acme/records"
    tour.click_link("New record")
    tour.type("f-name", "Margaret Hamilton")
    tour.type("f-email", "margaret at example")
    tour.type("f-phone", "+1 617 555 0199")
    tour.type("f-notes", "Prefers e-mail.\nCall only in the morning.")
    tour.type("f-fields", '{"team": "Apollo", "role": "lead"}')
    tour.submit("#record-form")
    assert "Enter an e-mail address like name@example.org." in tour.main_text()
    assert tour.by_id("f-name").get_attribute("value") == "Margaret Hamilton"
    tour.shot("04-record-form-errors")

    tour.type("f-email", "margaret@example.org")
    tour.submit("#record-form")
    assert tour.path().startswith("/acme/records/")
    assert "Record “Margaret Hamilton” created." in tour.main_text()
    assert "Apollo" in tour.main_text()
    tour.shot("05-record")

    tour.click_link("Records")
    names = [cell.text for cell in tour.all_css("table.records tbody td:first-child")]
    assert names == ["Margaret Hamilton"]
    tour.shot("06-records")

    tour.open("/acme/account")
    assert "staff@acme.test" in tour.main_text()
    tour.shot("07-account")
    tour.open("/acme/account/sessions")
    assert "this session" in tour.main_text()
    tour.shot("08-sessions")
    tour.open("/acme/no-such-page")
    assert "Page not found" in tour.main_text()
    tour.shot("09-not-found")

    tour.submit("#logout-form")
    assert tour.path() == "/acme/login?notice=logged_out"
    assert "You have logged out." in tour.main_text()
    assert browser.get_cookie("praxcloud_session") is None
    tour.shot("10-logged-out")

    # The records are behind the login again.
    tour.open("/acme/records")
    assert tour.path().startswith("/acme/login?next=")

    violations = [entry["message"] for entry in tour.log
                  if "Content Security Policy" in entry["message"]]
    assert violations == []
    # Nothing else went wrong either: Chromium logs the deliberate 401, 422 and 404
    # answers of pages, but no asset (stylesheet, icon) may fail to load.
    expected = re.compile(re.escape(server) + r"/acme/(login|records/new|no-such-page) - "
                          r"Failed to load resource: .* status of (401|404|422)")
    errors = [entry["message"] for entry in tour.log
              if entry["level"] == "SEVERE" and not expected.match(entry["message"])]
    assert errors == []

