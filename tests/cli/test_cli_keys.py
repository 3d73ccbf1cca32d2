"""``praxcloud keys ...``: status, rotating a tenant's data keys, rotating the master key."""

from __future__ import annotations

import json

import pytest

from praxcloud.core.crypto import encode_key, generate_key

from .conftest import write_ini


@pytest.fixture
def encrypting(upgraded, webapp):
    upgraded.ok("tenant", "create", "acme", "--name", "Acme Care")
    upgraded.ok("user", "create", "acme", "staff@acme.test", "--group", "staff",
                env={"PRAXCLOUD_PASSWORD": "a long enough passphrase"})
    upgraded.ok("plugins", "enable", "acme", "field_encryption")
    return upgraded


def login(webapp, ini=None) -> None:
    app = webapp(ini)
    app.post_json("/api/v1/acme/auth/login",
                  {"email": "staff@acme.test", "password": "a long enough passphrase"})


def test_status_and_rotate(encrypting, webapp):
    status = json.loads(encrypting.ok("keys", "status", "--tenant", "acme", "--json").stdout)
    assert [(k["purpose"], k["version"], k["state"]) for k in status] == [
        ("field_encryption", 1, "active")]
    rotated = encrypting.ok("keys", "rotate", "--tenant", "acme")
    assert "field_encryption: version 2 is now active" in rotated.output
    assert "retired: field_encryption v1" in rotated.output
    table = encrypting.ok("keys", "status", "--tenant", "acme").output
    assert "retired" in table and "active" in table
    # Nothing left half-way: --finish has nothing to do.
    assert "retired: none" in encrypting.ok("keys", "rotate", "--tenant", "acme",
                                            "--finish").output
    login(webapp)


def test_errors_are_one_line(upgraded):
    upgraded.ok("tenant", "create", "plain", "--name", "Plain")
    failed = upgraded.fails("keys", "rotate", "--tenant", "plain")
    assert "has no data keys" in failed.output
    assert "no tenant named 'nope'" in upgraded.fails("keys", "status", "--tenant",
                                                      "nope").output


def test_rotate_master_rewraps_and_the_old_key_can_go(encrypting, cli_settings, tmp_path,
                                                       webapp):
    from .conftest import Praxcloud

    old = cli_settings["praxcloud.master_key"]
    new = encode_key(generate_key())
    both = write_ini(tmp_path / "both.ini", {
        **cli_settings, "praxcloud.master_key": new, "praxcloud.master_key_id": "2",
        "praxcloud.previous_master_keys": f"1:{old}"})
    done = Praxcloud(both).ok("keys", "rotate-master")
    assert ("master key '2': 1 tenant keys, 1 data keys and 2 platform keys wrapped again"
            in done.output)
    only_new = write_ini(tmp_path / "new.ini", {
        **cli_settings, "praxcloud.master_key": new, "praxcloud.master_key_id": "2"})
    login(webapp, only_new)
    status = json.loads(Praxcloud(only_new).ok("keys", "status", "--tenant", "acme",
                                               "--json").stdout)
    assert status[0]["state"] == "active"
    # The old key alone no longer opens the tenant.
    failed = Praxcloud(write_ini(tmp_path / "old.ini", cli_settings)).fails(
        "keys", "rotate", "--tenant", "acme")
    assert "master key '2'" in failed.output
