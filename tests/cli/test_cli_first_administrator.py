"""``praxcloud tenant create ... --admin-email``: the tenant's first administrator, invited."""

from __future__ import annotations

import re
import socket
from email import message_from_string, policy
from pathlib import Path

from sqlalchemy import select

from praxcloud.core.models import PlatformAuditEvent
from praxcloud.testing import api_login

from .conftest import write_ini

CHOSEN = "the head's own pass phrase"


def mails(settings) -> list:
    folder = Path(settings["mail.top_level_directory"])
    return [message_from_string(p.read_text(), policy=policy.default)
            for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_create_invites_the_first_administrator(upgraded, cli_settings, webapp):
    result = upgraded.ok("tenant", "create", "acme", "--name", "Acme Care",
                         "--admin-email", "Head@Acme.test")
    assert "Mailed head@acme.test an invitation to choose a password" in result.stdout
    (message,) = mails(cli_settings)
    assert message["To"] == "head@acme.test"
    body = message.get_body(preferencelist=("plain",)).get_content()
    token = re.search(r"/acme/welcome/(\S+)", body).group(1)
    app = webapp()
    app.post_json("/api/v1/acme/auth/reset-password", {"token": token, "password": CHOSEN},
                  status=204)
    assert api_login(app, "acme", "head@acme.test", CHOSEN)
    with app.app.registry.tenancy.platform_session() as platform_db:
        events = list(platform_db.scalars(select(PlatformAuditEvent)))
        assert [(e.event, e.actor.startswith("cli")) for e in events] == [
            ("tenant.create", True), ("tenant.admin_invited", True)]


def test_a_bad_address_creates_nothing(upgraded, cli_settings):
    upgraded.fails("tenant", "create", "acme", "--name", "Acme", "--admin-email", "nope", code=2)
    assert not Path(cli_settings["praxcloud.tenant_data_dir"], "acme.sqlite").exists()


def test_a_failed_invitation_drops_the_tenant(upgraded, cli_settings, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    write_ini(upgraded.ini, {**cli_settings, "praxcloud.mail_backend": "smtp",
                             "mail.host": "127.0.0.1", "mail.port": port})
    result = upgraded.fails("tenant", "create", "acme", "--name", "Acme",
                            "--admin-email", "head@acme.test")
    assert "so tenant 'acme' was not created" in result.output
    assert not Path(cli_settings["praxcloud.tenant_data_dir"], "acme.sqlite").exists()
    assert upgraded.ok("tenant", "list").stdout == "No tenants.\n"
