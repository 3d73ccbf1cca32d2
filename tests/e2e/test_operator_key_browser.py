"""A real browser: an operator held on enrolment registers a security key, then logs in with it.

Headless Chromium with a virtual USB security key (CTAP2). The platform
requires operators to have a second factor, so the first login lands on the
enrolment page; the operator adds the key there, logs out, and logs in with
the password and the key. Screenshots land in ``test-artifacts/operator-*.png``;
the console log must show no Content-Security-Policy violation.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from praxcloud.core.models import Operator
from praxcloud.core.settings import install_settings, settings_of
from tests.e2e.test_console_browser import (  # noqa: F401 - fixtures used by name
    Tour,
    browser,
    left_the_page,
    server,
)
from tests.platform_console.conftest import OPERATOR_EMAIL, OPERATOR_PASSWORD

pytestmark = pytest.mark.browser

LOGIN_FORM = "form[action$='/platform/login']"
LOGOUT_FORM = "form[action$='/platform/logout']"


class OperatorTour(Tour):
    artifact_prefix = "operator"

    def log_in(self) -> None:
        self.open("/platform/login")
        self.type("email", OPERATOR_EMAIL)
        self.type("password", OPERATOR_PASSWORD)
        self.submit(LOGIN_FORM)


@pytest.fixture
def usb_key(browser):  # noqa: F811 - the imported fixture
    from selenium.webdriver.common.virtual_authenticator import VirtualAuthenticatorOptions

    browser.add_virtual_authenticator(VirtualAuthenticatorOptions(
        protocol=VirtualAuthenticatorOptions.Protocol.CTAP2,
        transport=VirtualAuthenticatorOptions.Transport.USB,
        has_resident_key=False, has_user_verification=False))
    return browser


def test_enrol_a_key_when_required_then_log_in_with_it(
        server, usb_key, registry, backend):  # noqa: F811 - the imported fixture
    # The browser reaches the server at its own port: that is the platform's address.
    install_settings(registry, replace(settings_of(registry), base_url=server,
                                       operator_mfa_required=True))
    with registry.tenancy.platform_session() as platform_db:
        platform_db.add(Operator(email=OPERATOR_EMAIL, password_hash=registry.password_context
                                 .hash(OPERATOR_PASSWORD)))
    tour = OperatorTour(usb_key, server, backend)

    tour.log_in()
    assert tour.path() == "/platform/account/security"
    assert "requires operators to confirm every login" in tour.main_text()
    tour.shot("01-enrolment-required")
    tour.open("/platform/tenants")
    assert tour.path() == "/platform/account/security"

    tour.click_link("Add a security key")
    tour.type("name", "USB key")
    tour.shot("02-add-key")
    tour.submit("#webauthn-register-form")
    assert tour.path() == "/platform/account/security"
    assert "Security key “USB key” added." in tour.main_text()
    tour.shot("03-key-added")

    tour.submit(LOGOUT_FORM)
    tour.log_in()
    assert tour.path() == "/platform/login/second-factor"
    tour.shot("04-second-factor")
    button = tour.css("#webauthn-use-key")
    button.click()
    tour.wait.until(left_the_page(button))
    tour.settle()
    assert tour.path() == "/platform/tenants"
    tour.shot("05-logged-in")

    violations = [entry["message"] for entry in tour.log
                  if "Content Security Policy" in entry["message"]]
    assert violations == []
