"""The client address: X-Forwarded-For believed only as far as the trusted proxies vouch."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from praxcloud.core.client_address import client_address, parse
from praxcloud.core.models import AuditEvent
from praxcloud.core.scripting import tenant_request
from praxcloud.core.settings import SettingsError
from praxcloud.testing import PASSWORD
from praxcloud.testing.app import build_app


def env(peer: str, forwarded: str | None = None) -> dict:
    found = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        found["HTTP_X_FORWARDED_FOR"] = forwarded
    return found


@pytest.mark.parametrize(("setting", "environ", "client"), [
    # Direct: the header is the client's own words.
    ("none", env("203.0.113.9", "1.2.3.4"), "203.0.113.9"),
    # One proxy: the entry it appended, not the client's forgeries left of it.
    ("1", env("127.0.0.1", "6.6.6.6, 198.51.100.4"), "198.51.100.4"),
    ("2", env("10.0.0.2", "6.6.6.6, 198.51.100.4, 10.0.0.1"), "198.51.100.4"),
    ("2", env("10.0.0.2", "198.51.100.4"), "10.0.0.2"),  # fewer hops than proxies
    # Networks: walk left while the hop is a proxy.
    ("127.0.0.1 10.0.0.0/8", env("127.0.0.1", "6.6.6.6, 198.51.100.4, 10.1.2.3"),
     "198.51.100.4"),
    ("127.0.0.1", env("203.0.113.9", "1.2.3.4"), "203.0.113.9"),  # not from the proxy
    ("127.0.0.1", env("127.0.0.1"), "127.0.0.1"),
    ("127.0.0.1", env("127.0.0.1", "garbage, 198.51.100.4"), "198.51.100.4"),
    ("127.0.0.1", env("127.0.0.1", "198.51.100.4, garbage"), "127.0.0.1"),
    ("::1 fd00::/8", env("::1", "2001:db8::7, fd00::3"), "2001:db8::7"),
    ("10.0.0.0/8", env("::ffff:10.0.0.1", "198.51.100.4"), "198.51.100.4"),
])
def test_which_address_is_the_client(setting, environ, client):
    assert client_address(environ, parse(setting)) == client


@pytest.mark.parametrize("bad", [None, "", "  ", "0", "11", "proxy.example.org", "10.0.0.0/33"])
def test_a_missing_or_malformed_setting_stops_the_start(bad):
    with pytest.raises(SettingsError, match="praxcloud.trusted_proxies"):
        parse(bad)


def test_the_app_does_not_start_without_the_setting(tmp_path):
    from praxcloud.testing import base_settings

    settings = base_settings(tmp_path)
    del settings["praxcloud.trusted_proxies"]
    with pytest.raises(SettingsError, match="praxcloud.trusted_proxies"):
        build_app(settings)


def login_ip(testapp, registry, forwarded: str) -> str:
    testapp.post_json("/api/v1/acme/auth/login", {"email": "staff@acme.test",
                                                  "password": PASSWORD},
                      extra_environ={"REMOTE_ADDR": "127.0.0.1",
                                     "HTTP_X_FORWARDED_FOR": forwarded})
    with tenant_request(registry, "acme") as request:
        return request.tenant_db.scalars(select(AuditEvent.ip).where(
            AuditEvent.event == "login").order_by(AuditEvent.id.desc())).first()


def test_a_forged_header_does_not_move_the_client(testapp, tenant, registry):
    assert login_ip(testapp, registry, "6.6.6.6") == "127.0.0.1"


@pytest.fixture
def behind_one_proxy(settings):
    settings["praxcloud.trusted_proxies"] = "127.0.0.1"


def test_behind_a_trusted_proxy_its_entry_is_the_client(behind_one_proxy, testapp, tenant,
                                                        registry):
    assert login_ip(testapp, registry, "6.6.6.6, 198.51.100.4") == "198.51.100.4"
