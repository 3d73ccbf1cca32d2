"""Helpers of the operator second-factor tests: a phone's clock, enrolment, the second step.

Codes are made as a phone would: by ``oathtool`` (a separate RFC 6238
implementation) from the secret the enrolment page shows, at the instant the
service's clock (``praxcloud.core.operator_mfa.totp.current_time``) is frozen at.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

import webtest

from praxcloud.core.platform_console.support import PENDING_LOGIN_COOKIE
from praxcloud.core.settings import install_settings, settings_of
from tests.plugins.mfa_totp.conftest import STEP, oathtool

from ..conftest import OPERATOR_EMAIL, OPERATOR_PASSWORD, csrf_of, operator_login

ENVIRON = {"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def code(self, secret: str, steps: int = 0) -> str:
        return oathtool(secret, self.now + steps * STEP)


def client(app, **environ) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={**ENVIRON, **environ})


def shown_secret(page) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)
    assert match, "the enrolment page shows no secret"
    return match.group(1).replace(" ", "")


def enrol_totp(testapp, clock: Clock) -> str:
    """Set up an app for the logged-in operator; returns the secret. The clock moves a step."""
    testapp.post("/platform/account/security/totp",
                 {"csrf_token": csrf_of(testapp.get("/platform/account/security"))}, status=303)
    page = testapp.get("/platform/account/security/totp")
    secret = shown_secret(page)
    testapp.post("/platform/account/security/totp/confirm",
                 {"csrf_token": csrf_of(page), "code": clock.code(secret)}, status=303)
    clock.advance(STEP)
    return secret


def password_step(testapp, email=None, password=OPERATOR_PASSWORD, status=303):
    """The first step of a login of an operator with a factor: the second-step page's answer."""
    kwargs = {"password": password, "status": status}
    if email:
        kwargs["email"] = email
    response = operator_login(testapp, **kwargs)
    if status == 303:
        assert response.location == "http://localhost/platform/login/second-factor"
        assert PENDING_LOGIN_COOKIE in testapp.cookies
    return response


def second_step(testapp, fields: dict, status=303):
    page = testapp.get("/platform/login/second-factor")
    return testapp.post("/platform/login/second-factor",
                        {"csrf_token": csrf_of(page), **fields}, status=status)


def data_options(page, attribute="data-options") -> str:
    match = re.search(attribute + r'="([^"]+)"', page.text)
    assert match, "the page carries no WebAuthn options"
    return html.unescape(match.group(1))


# The operator login's limits (test_login_limit.py, test_operator_unlock.py) -------------
WRONG = "not the operator's password"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def configure_login_limits(registry, **values) -> None:
    """``configure_login_limits(registry, delays_seconds="2 4")``: praxcloud.operator_login_*."""
    install_settings(registry, replace(settings_of(registry), **{
        f"operator_login_{name}": value for name, value in values.items()}))


def attempt(app, password=WRONG, email=OPERATOR_EMAIL, address=ATTACKER):
    """One login from ``address`` in a fresh browser; the answer, whatever its status."""
    return operator_login(client(app, REMOTE_ADDR=address), email, password, status="*")

