"""A real browser registers a passkey and signs in with it (mfa_webauthn).

Headless Chromium with its virtual authenticator (CTAP2, internal, resident
keys, user verification) plays a laptop with a fingerprint reader. The
person logs in with the password, registers a passkey on the console's
security-key page, logs out, signs in with the passkey alone (the tenant
allows passwordless sign-in), and, after logging out again, logs in with
the password and the key as second factor. Screenshots land in
``test-artifacts/passkey-*.png``; the console log must show no
Content-Security-Policy violation and no failed asset.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from praxcloud.core import contracts
from praxcloud.core.settings import install_settings, settings_of
from praxcloud.testing import PASSWORD
from tests.e2e.test_console_browser import (  # noqa: F401 - fixtures used by name
    ARTIFACTS,
    Tour,
    browser,
    left_the_page,
    server,
)

pytestmark = pytest.mark.browser


class PasskeyTour(Tour):
    artifact_prefix = "passkey"

    def click_and_leave(self, selector: str) -> None:
        """Click a button whose script (a WebAuthn ceremony) ends by sending its form."""
        button = self.css(selector)
        button.click()
        self.wait.until(left_the_page(button))
        self.settle()


@pytest.fixture
def laptop(browser):  # noqa: F811 - the imported fixture
    """The browser with a platform authenticator that verifies its user (a fingerprint)."""
    from selenium.webdriver.common.virtual_authenticator import VirtualAuthenticatorOptions

    options = VirtualAuthenticatorOptions(
        protocol=VirtualAuthenticatorOptions.Protocol.CTAP2,
        transport=VirtualAuthenticatorOptions.Transport.INTERNAL,
        has_resident_key=True, has_user_verification=True, is_user_verified=True)
    browser.add_virtual_authenticator(options)
    return browser


def test_register_a_passkey_and_sign_in_with_it(server, laptop, registry, backend,  # noqa: F811
                                                monkeypatch):
    # The relying party is the platform's configured address, as in a deployment: here the
    # test server's (its port is known only now).
    install_settings(registry, replace(settings_of(registry), base_url=server))
    contracts.enable(registry, "acme", "mfa_webauthn", {"passwordless": True})
    tour = PasskeyTour(laptop, server, backend)

    tour.open("/acme/login")
    tour.type("f-email", "staff@acme.test")
    tour.type("f-password", PASSWORD)
    tour.submit("#login-form")
    assert tour.path() == "/acme/"

    tour.open("/acme/account/mfa/webauthn")
    assert "You have no security key yet." in tour.main_text()
    tour.shot("01-no-keys")
    tour.click_link("Add a security key")
    assert tour.path() == "/acme/account/mfa/webauthn/new"
    tour.type("f-name", "This laptop")
    tour.shot("02-add-key")
    tour.submit("#webauthn-register-form")
    assert tour.path() == "/acme/account/mfa/webauthn"
    assert "Security key “This laptop” added." in tour.main_text()
    row = tour.css("table.webauthn-keys tbody tr").text
    assert "This laptop" in row and "passkey" in row and "never" in row
    tour.shot("03-key-added")

    tour.submit("#logout-form")
    assert tour.path() == "/acme/login?notice=logged_out"
    tour.shot("04a-login-page-offers-passkeys")
    tour.click_link("Sign in with a passkey")
    assert tour.path() == "/acme/login/passkey"
    tour.shot("04-passkey-page")
    # The fingerprint is not recognised: the browser refuses, the page says so, nothing is sent.
    laptop.set_user_verified(False)
    tour.css("#webauthn-passkey").click()
    tour.wait.until(lambda d: tour.by_id("webauthn-status").text.startswith("The key was not used"))
    assert tour.path() == "/acme/login/passkey"
    tour.shot("04b-passkey-refused-by-browser")
    laptop.set_user_verified(True)
    tour.click_and_leave("#webauthn-passkey")
    assert tour.path() == "/acme/"
    assert "Welcome" in tour.main_text()
    tour.shot("05-signed-in-with-passkey")

    # The key is now also the second factor after the password.
    tour.submit("#logout-form")
    tour.type("f-email", "staff@acme.test")
    tour.type("f-password", PASSWORD)
    tour.submit("#login-form")
    assert tour.path() == "/acme/login/mfa"
    tour.shot("06-second-factor")
    tour.click_and_leave("#webauthn-use-key")
    assert tour.path() == "/acme/"

    tour.open("/acme/account/mfa/webauthn")
    row = tour.css("table.webauthn-keys tbody tr").text
    assert "never" not in row
    tour.shot("07-key-used")

    violations = [entry["message"] for entry in tour.log
                  if "Content Security Policy" in entry["message"]]
    assert violations == []
    expected = re.compile(re.escape(server) + r"/acme/\S* - Failed to load resource: .* "
                          r"status of (401|404|422)")
    errors = [entry["message"] for entry in tour.log
              if entry["level"] == "SEVERE" and not expected.match(entry["message"])]
    assert errors == []
