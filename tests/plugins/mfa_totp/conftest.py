"""Fixtures of the mfa_totp tests: the plugin enabled for acme, a frozen clock, a phone.

Every client here is a :class:`praxcloud.testing.openapi.ValidatingTestApp`
(the ``testapp`` of tests/plugins/conftest.py, or ``validating_client(app)``):
each API answer must be one the served OpenAPI document describes.

Codes are made as a person's phone would: by ``oathtool`` (OATH Toolkit), a
separate implementation of RFC 6238, from the secret the API answers or the
console's QR code shows (decoded by ``zbarimg``). The service's clock
(``plugins.mfa_totp.service.current_time``) is frozen in the middle of a
30-second step, and oathtool is given the same instant (``--now``), so tests
of drift and replay do not depend on when they run.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from email import message_from_string, policy
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from plugins.mfa_totp import service
from praxcloud.core.models import AuthSession, User
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD, FakeClock, api_login, bearer, need

STEP = 30


def oathtool(secret: str, at: float) -> str:
    """The code an authenticator app shows at ``at`` (epoch seconds) for ``secret``."""
    need(shutil.which("oathtool") is not None,
         "oathtool is not installed (apt-get install oathtool)")
    when = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    done = subprocess.run(["oathtool", "--totp", "--base32", "--now", when, secret],
                          capture_output=True, text=True, check=True, timeout=10)
    return done.stdout.strip()


def secret_from_uri(uri: str) -> str:
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp", uri
    return parse_qs(parts.query)["secret"][0]


class FrozenClock(FakeClock):
    """The service's clock, held at ``now``; ``code()`` is what the phone shows then."""

    def code(self, secret: str, steps: int = 0) -> str:
        """The phone's code ``steps`` steps from now (a phone whose clock is off)."""
        return oathtool(secret, self.now + steps * STEP)


@pytest.fixture
def clock(monkeypatch) -> FrozenClock:
    # The middle of the current step: a test's own run time never crosses into the next.
    frozen = FrozenClock((int(time.time()) // STEP) * STEP + STEP / 2)
    monkeypatch.setattr(service, "current_time", frozen)
    return frozen


@pytest.fixture
def totp(enable_plugin, tenant, clock):
    """acme with mfa_totp enabled (default settings); the clock frozen."""
    enable_plugin("acme", "mfa_totp")
    return clock


def api_enrol(testapp, headers: dict) -> str:
    """Start a set-up through the API; the secret as the phone would take it from the URI."""
    answer = testapp.post("/api/v1/acme/mfa/totp/enrol", headers=headers).json
    assert secret_from_uri(answer["otpauth_uri"]) == answer["secret"]
    return answer["secret"]


def enrolled(testapp, clock: FrozenClock, email: str = "staff@acme.test") -> tuple[str, list[str]]:
    """``email`` with a confirmed app: (secret, recovery codes). The clock moves one step on,
    so the confirming code is in the past for what follows."""
    headers = bearer(api_login(testapp, "acme", email))
    secret = api_enrol(testapp, headers)
    codes = testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": clock.code(secret)},
                              headers=headers).json["recovery_codes"]
    clock.advance(STEP)
    return secret, codes


def password_step(testapp, email: str = "staff@acme.test", password: str = PASSWORD) -> dict:
    return testapp.post_json("/api/v1/acme/auth/login", {"email": email, "password": password}).json


def mfa_step(testapp, mfa_token: str, code, status: int | str = 200, method: str = "totp"):
    return testapp.post_json("/api/v1/acme/auth/mfa",
                             {"mfa_token": mfa_token, "method": method, "code": code},
                             status=status)


def age_sessions(registry, minutes: int = 11) -> None:
    """As if every acme login had happened ``minutes`` earlier: step-up asks for the password.

    Passwords move back as well: a session older than its user's password has ended.
    """
    earlier = dt.timedelta(minutes=minutes)
    with tenant_request(registry, "acme") as request:
        for user in request.tenant_db.scalars(select(User)):
            if user.password_changed_at is not None:
                user.password_changed_at -= earlier
        for session in request.tenant_db.scalars(select(AuthSession)):
            session.created_at -= earlier
            session.data = {k: v for k, v in (session.data or {}).items()
                            if k != "reauthenticated_at"}


def mail_text(path) -> str:
    """The plain-text body of a mail written by the folder mailer."""
    message = message_from_string(path.read_text(), policy=policy.default)
    return message["Subject"] + "\n" + message.get_body(preferencelist=("plain",)).get_content()
