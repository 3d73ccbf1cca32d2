"""A real browser sets up the authenticator app and logs in with it.

Headless Chromium (the console's end-to-end fixtures) shows the enrol page;
the QR code is read from what the browser drew (an element screenshot,
decoded by zbarimg) as a phone's camera would, the code comes from
oathtool, and the browser's log must show no Content-Security-Policy
violation. Screenshots land in test-artifacts/totp-*.png.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from praxcloud.testing import PASSWORD, need
from tests.e2e.test_console_browser import Tour, browser, server  # noqa: F401 - fixtures
from tests.plugins.mfa_totp.conftest import STEP, oathtool, secret_from_uri

pytestmark = pytest.mark.browser


def test_set_up_the_app_and_log_in_with_it(server, browser, backend, totp, tmp_path):  # noqa: F811
    need(shutil.which("zbarimg") is not None, "zbarimg is not installed")
    tour = Tour(browser, server, backend)
    tour.artifact_prefix = "totp"
    tour.open("/acme/login")
    tour.type("f-email", "staff@acme.test")
    tour.type("f-password", PASSWORD)
    tour.submit("#login-form")

    tour.open("/acme/account/mfa")
    tour.shot("00-two-step-sign-in")
    tour.click_link("Set up")
    assert tour.path() == "/acme/account/mfa/totp"
    tour.submit("#enrol-form")
    assert tour.path() == "/acme/account/mfa/totp/enrol"
    qr = tour.by_id("totp-qr")
    assert browser.execute_script("return arguments[0].naturalWidth", qr) > 0
    drawn = tmp_path / "qr-as-drawn.png"
    drawn.write_bytes(qr.screenshot_as_png)
    uri = subprocess.run(["zbarimg", "--raw", "-q", str(drawn)], capture_output=True,
                         text=True, check=True, timeout=30).stdout.strip()
    secret = secret_from_uri(uri)
    assert tour.by_id("totp-secret").text.replace(" ", "") == secret
    tour.shot("01-enrol")

    tour.type("f-code", oathtool(secret, totp.now))
    tour.submit("#confirm-form")
    codes = [item.text for item in tour.all_css("#recovery-codes li")]
    assert len(codes) == 10
    tour.shot("02-recovery-codes")

    totp.advance(STEP)
    tour.submit("#logout-form")
    tour.open("/acme/login")
    tour.type("f-email", "staff@acme.test")
    tour.type("f-password", PASSWORD)
    tour.submit("#login-form")
    assert tour.path() == "/acme/login/mfa"
    assert "recovery codes" in tour.main_text()
    tour.shot("03-code-at-login")
    tour.type("f-code", oathtool(secret, totp.now))
    tour.submit("#mfa-form")
    assert tour.path() == "/acme/"
    violations = [entry for entry in tour.log
                  if "Content Security Policy" in entry.get("message", "")]
    assert violations == []
