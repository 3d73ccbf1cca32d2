"""Forgot-password and reset (C6): one answer for every address, a single-use expiring link."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import pathlib
import re
import socket
import threading

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from praxcloud.core.models import PasswordReset, User, utcnow
from praxcloud.testing import PASSWORD, api_login
from tests.api.conftest import audit_events, login, table_counts, tenant_db
from tests.api.samples import NEW_PASSWORD

FORGOT = "/api/v1/acme/auth/forgot-password"
RESET = "/api/v1/acme/auth/reset-password"
LINK = re.compile(r"http://localhost/acme/reset-password/([A-Za-z0-9_-]{43})\b")


def mails(registry) -> list[email.message.EmailMessage]:
    folder = pathlib.Path(registry.settings["mail.top_level_directory"])
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.rglob("*.eml"))]


def reset_token_from(message) -> str:
    text = message.get_body(("plain",)).get_content()
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def test_same_answer_for_known_unknown_and_inactive_addresses(testapp, tenant, registry):
    with tenant_db(registry, "acme") as db:
        db.get(User, 3).is_active = False
    answers = [testapp.post_json(FORGOT, {"email": address}, status=202)
               for address in ("staff@acme.test", "ghost@acme.test", "reader@acme.test",
                               "STAFF@ACME.TEST")]
    assert len({(a.status, a.body) for a in answers}) == 1
    sent = mails(registry)
    assert [m["To"] for m in sent] == ["staff@acme.test", "staff@acme.test"]
    # A link, never a password.
    for message in sent:
        text = message.get_body(("plain",)).get_content()
        assert PASSWORD not in text and LINK.search(text)
    requests = audit_events(registry, "acme", "password.reset_request")
    assert [(e.target, e.details["known"]) for e in requests] == [
        ("staff@acme.test", True), ("ghost@acme.test", False), ("reader@acme.test", True),
        ("staff@acme.test", True)]


def test_reset_link_sets_the_password_once_and_ends_every_session(testapp, tenant, registry):
    first = login(testapp, "acme", "staff@acme.test")
    second = login(testapp, "acme", "staff@acme.test")
    testapp.post_json(FORGOT, {"email": "staff@acme.test"}, status=202)
    [message] = mails(registry)
    assert message["Subject"] == "Acme Care: reset your password"
    token = reset_token_from(message)
    # Only the hash of the link's token is stored.
    with tenant_db(registry, "acme") as db:
        stored = list(db.scalars(select(PasswordReset.token_hash)))
    assert token not in stored and len(stored) == 1

    testapp.post_json(RESET, {"token": token, "password": NEW_PASSWORD}, status=204)
    for headers in (first, second):
        testapp.get("/api/v1/acme/me", headers=headers, status=401)
    api_login(testapp, "acme", "staff@acme.test", NEW_PASSWORD)
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": PASSWORD}, status=401)

    again = testapp.post_json(RESET, {"token": token, "password": "yet another one 77"},
                              status=400).json
    assert again["error"]["code"] == "reset_token_invalid"
    api_login(testapp, "acme", "staff@acme.test", NEW_PASSWORD)
    [event] = audit_events(registry, "acme", "password.reset")
    assert (event.outcome, event.actor, event.target) == (
        "success", "staff@acme.test", "staff@acme.test")


def test_an_expired_or_unknown_link_fails(testapp, tenant, registry):
    testapp.post_json(FORGOT, {"email": "staff@acme.test"}, status=202)
    token = reset_token_from(mails(registry)[0])
    with tenant_db(registry, "acme") as db:
        db.execute(update(PasswordReset).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    for candidate in (token, "unknown-token", token[:-1]):
        answer = testapp.post_json(RESET, {"token": candidate, "password": NEW_PASSWORD},
                                   status=400).json
        assert answer["error"]["code"] == "reset_token_invalid"
    api_login(testapp, "acme", "staff@acme.test", PASSWORD)


def test_a_rejected_new_password_keeps_the_link_usable(testapp, tenant, registry):
    testapp.post_json(FORGOT, {"email": "staff@acme.test"}, status=202)
    token = reset_token_from(mails(registry)[0])
    before = table_counts(registry, "acme")
    testapp.post_json(RESET, {"token": token, "password": "short"}, status=422)
    assert table_counts(registry, "acme") == before
    testapp.post_json(RESET, {"token": token, "password": NEW_PASSWORD}, status=204)


def test_the_link_uses_the_configured_base_url_not_the_host_header(testapp, tenant, registry):
    testapp.post_json(FORGOT, {"email": "staff@acme.test"},
                      headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
                      status=202)
    [message] = mails(registry)
    text = message.get_body(("plain",)).get_content()
    assert "evil.example" not in text
    reset_token_from(message)


def test_a_failed_request_mails_nothing(testapp, tenant, registry, monkeypatch):
    import praxcloud.core.api.auth as api_auth
    from praxcloud.core.errors import ApiError

    real = api_auth.request_password_reset

    def then_fail(request, address):
        real(request, address)
        raise ApiError("boom", "failed after the mail was queued", 400)

    monkeypatch.setattr(api_auth, "request_password_reset", then_fail)
    testapp.post_json(FORGOT, {"email": "staff@acme.test"}, status=400)
    assert mails(registry) == []
    assert table_counts(registry, "acme")["password_resets"] == 0


# The real SMTP backend against a local SMTP server ------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps each mail and what the database held when it came."""

    def __init__(self):
        self.messages: list[tuple[bytes, int]] = []
        self.arrived = threading.Event()
        self.engine = None

    async def handle_DATA(self, server, session, envelope):
        committed = -1
        if self.engine is not None:
            with Session(bind=self.engine) as db:
                committed = db.scalar(select(func.count()).select_from(PasswordReset))
        self.messages.append((envelope.content, committed))
        self.arrived.set()
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def settings(settings, request):
    if "smtp_server" not in request.fixturenames:
        return settings
    controller, _ = request.getfixturevalue("smtp_server")
    return {**settings, "praxcloud.mail_backend": "smtp", "mail.host": "127.0.0.1",
            "mail.port": str(controller.port)}


def test_smtp_backend_sends_after_commit_and_not_on_failure(smtp_server, testapp, tenant,
                                                            registry, monkeypatch):
    _, inbox = smtp_server
    from praxcloud.core.models import Tenant

    with registry.tenancy.platform_session() as session:
        acme = session.scalars(select(Tenant).where(Tenant.slug == "acme")).one()
        inbox.engine = registry.tenancy.engine_for(acme)

    import praxcloud.core.api.auth as api_auth
    from praxcloud.core.errors import ApiError

    real = api_auth.request_password_reset

    def then_fail(request, address):
        real(request, address)
        raise ApiError("boom", "failed after the mail was queued", 400)

    monkeypatch.setattr(api_auth, "request_password_reset", then_fail)
    testapp.post_json(FORGOT, {"email": "staff@acme.test"}, status=400)
    assert not inbox.arrived.wait(0.5)
    monkeypatch.setattr(api_auth, "request_password_reset", real)

    testapp.post_json(FORGOT, {"email": "staff@acme.test"}, status=202)
    assert inbox.arrived.wait(10)
    [(raw, committed_then)] = inbox.messages
    # The reset row was committed before the mail left.
    assert committed_then == 1
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "staff@acme.test"
    token = reset_token_from(message)
    testapp.post_json(RESET, {"token": token, "password": NEW_PASSWORD}, status=204)
    api_login(testapp, "acme", "staff@acme.test", NEW_PASSWORD)
