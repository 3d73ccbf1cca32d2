"""A tenant made in /platform/ gets its first administrator, invited by mail."""

from __future__ import annotations

import re
import socket
from email import message_from_string, policy
from pathlib import Path

import pytest
import webtest
from sqlalchemy import select

from praxcloud.core.local_auth import find_user_by_email
from praxcloud.core.models import AuditEvent
from praxcloud.core.provisioning import all_tenants
from praxcloud.core.scripting import tenant_request
from tests.console.conftest import login, mail_files

from .conftest import OPERATOR_EMAIL, operator_post
from .test_auth import platform_events
from .test_tenant_lifecycle import postgres_database_exists, postgres_role_exists

ADMIN = "Head@North.test"
CHOSEN = "the head's own pass phrase"


def create(operator, status=303, **fields):
    form = {"slug": "north", "name": "North Clinic", "admin_email": ADMIN, **fields}
    return operator_post(operator, "/platform/tenants", form, status=status)


def the_mail(settings):
    (path,) = mail_files(settings)
    return message_from_string(path.read_text(), policy=policy.default)


def test_the_first_administrator_is_invited_and_gets_in(operator, registry, settings, testapp):
    done = create(operator).follow()
    assert "its first administrator, head@north.test, was mailed an invitation" in done.text
    message = the_mail(settings)
    assert message["To"] == "head@north.test"
    assert message["Subject"] == "Welcome to North Clinic: choose your password"
    body = message.get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"http://localhost(/north/welcome/\S+)", body).group(1)
    with tenant_request(registry, "north") as request:
        head = find_user_by_email(request.tenant_db, "head@north.test")
        assert head.group_names == ["admin"] and head.password_hash is None
        trail = {row.event: row for row in request.tenant_db.scalars(select(AuditEvent))}
        assert trail["user.create"].actor == OPERATOR_EMAIL
        assert (trail["user.invited"].actor, trail["user.invited"].target) == (
            OPERATOR_EMAIL, "head@north.test")
    [invited] = platform_events(registry, "tenant.admin_invited")
    assert (invited.actor, invited.tenant_slug, invited.details) == (
        OPERATOR_EMAIL, "north", {"group": "admin"})
    # The platform's trail keeps no personal data: the address is in the tenant's own.
    assert all("head@" not in str(event.details) for event in platform_events(registry))

    browser = webtest.TestApp(testapp.app, extra_environ=testapp.extra_environ)
    form = browser.get(path).forms["invitation-form"]
    form["password"] = form["confirm"] = CHOSEN
    form.submit(status=303)
    login(browser, "head@north.test", CHOSEN, slug="north")
    users = browser.get("/north/users")
    assert "head@north.test" in users.text


@pytest.mark.parametrize("email, message", [
    ("", "Give the e-mail address of the tenant&#39;s first administrator."),
    ("not-an-address", "Give an e-mail address like name@example.org."),
    ("a@b.c\x00", "may not contain control characters"),
])
def test_the_administrator_address_is_required(operator, registry, settings, email, message):
    page = create(operator, status=422, admin_email=email)
    assert message in page.text
    assert all_tenants(registry.tenancy) == []
    assert mail_files(settings) == []


@pytest.fixture
def closed_smtp(settings):
    """Mail through SMTP to a port nobody listens on: every send fails at commit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.update({"praxcloud.mail_backend": "smtp", "mail.host": "127.0.0.1",
                     "mail.port": str(port)})
    return settings


def test_no_tenant_is_left_without_a_way_in(closed_smtp, operator, registry, settings):
    page = create(operator, status=503)
    assert "The invitation could not be sent, so the tenant was not created" in page.text
    assert all_tenants(registry.tenancy) == []
    if settings["praxcloud.tenant_db_backend"] == "sqlite":
        assert not (Path(settings["praxcloud.tenant_data_dir"]) / "north.sqlite").exists()
    else:
        assert not postgres_database_exists(settings, "north")
        assert not postgres_role_exists(settings, "north")
    assert platform_events(registry, "tenant.create") == []
