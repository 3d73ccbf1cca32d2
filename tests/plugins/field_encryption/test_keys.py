"""field_encryption's keys: rotation without downtime, interrupted and resumed, the
encryption count, crypto-shredding, master key rotation, and what administrators see."""

from __future__ import annotations

import base64

import pytest

from praxcloud.core import key_rotation, settle
from praxcloud.plugin import (
    data_key_status,
    finish_key_rotation,
    key_rotation_progress,
    rotate_data_keys,
)
from praxcloud.testing import api_login

from .conftest import execute, raw

PREFIX = "pxf1:"
RECORDS = "/api/v1/acme/records"


def stored_versions(registry) -> set[int]:
    """The data key versions the stored record and user values are under."""
    values = [row[field] for row in raw(registry, "acme", "SELECT email, phone, notes FROM records")
              for field in ("email", "phone", "notes")]
    values += [row["email"] for row in raw(registry, "acme", "SELECT email FROM users")]
    return {int.from_bytes(base64.b64decode(v[len(PREFIX):])[1:5], "big")
            for v in values}


def states(registry) -> list[tuple[int, str]]:
    return [(key["version"], key["state"])
            for key in data_key_status(registry, "acme", "field_encryption")]


def test_rotation_reencrypts_everything_and_erases_the_old_key(registry, encrypted, api_client,
                                                               testapp):
    encrypted()
    assert states(registry) == [(1, "active")] and stored_versions(registry) == {1}
    seen = []
    result = rotate_data_keys(registry, "acme", progress=lambda d, t: seen.append((d, t)),
                              settle_seconds=0)
    assert result.rotated == {"field_encryption": 2} and result.retired == [
        ("field_encryption", 1)]
    assert stored_versions(registry) == {2}
    assert states(registry) == [(1, "retired"), (2, "active")]
    [old] = raw_platform_keys(registry, version=1)
    assert old["wrapped"] is None
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] == result.rows > 0
    staff = api_client("acme", "staff@acme.test")
    assert {r["email"] for r in staff.get(RECORDS).json["items"]} == {
        "anna@example.org", "bram@example.org"}
    api_login(testapp, "acme", "reader@acme.test")


def test_values_written_under_the_old_key_during_a_rotation_are_reencrypted_after_the_window(
        registry, encrypted, api_client, monkeypatch):
    """A process that has not yet seen the rotation encrypts under the old key until it
    reloads the tenant (within tenant_cache_seconds); the final scan waits that window out,
    re-encrypts what it finds, and only then is the old key retired.

    Timed on the app's settle clock (the test harness's fake one: no real sleep)."""
    encrypted()
    [anna] = raw(registry, "acme", "SELECT id, email FROM records ORDER BY id LIMIT 1")
    clock = settle.clock_of(registry)
    window = settle.window(registry)
    written, scans = [], []
    real = key_rotation.reencrypt

    def reencrypt_then_a_stale_write(*args, **kwargs):
        done = real(*args, **kwargs)
        # The value as a process still on version 1 would write it (same row and column).
        execute(registry, "acme", "UPDATE records SET email = :email WHERE id = :id", **anna)
        written.append(clock())
        return done
    real_scan = key_rotation._rows_under

    def scan(*args):
        scans.append(clock())
        return real_scan(*args)
    monkeypatch.setattr(key_rotation, "reencrypt", reencrypt_then_a_stale_write)
    monkeypatch.setattr(key_rotation, "_rows_under", scan)
    started = clock()
    result = rotate_data_keys(registry, "acme")
    assert scans[0] - started >= window
    assert scans[0] - written[0] >= window
    # It found the late write and re-encrypted it; the next found nothing.
    assert len(scans) == 2
    assert result.retired == [("field_encryption", 1)]
    assert stored_versions(registry) == {2}
    staff = api_client("acme", "staff@acme.test")
    assert {r["email"] for r in staff.get(RECORDS).json["items"]} == {
        "anna@example.org", "bram@example.org"}


def raw_platform_keys(registry, version: int) -> list[dict]:
    from sqlalchemy import text

    with registry.tenancy.platform_engine.begin() as connection:
        return [dict(row) for row in connection.execute(text(
            "SELECT version, state, wrapped, encryptions FROM tenant_data_keys "
            "WHERE version = :v"), {"v": version}).mappings()]


class Interrupted(Exception):
    pass


def test_an_interrupted_rotation_loses_nothing_and_a_rerun_finishes(registry, encrypted,
                                                                     make_user, api_client):
    encrypted()
    for n in range(12):
        make_user("acme", f"user{n}@acme.test")

    def stop_after_first_batch(done, total):
        if done >= 2:
            raise Interrupted()

    with pytest.raises(Interrupted):
        rotate_data_keys(registry, "acme", progress=stop_after_first_batch, batch_size=2,
                         settle_seconds=0)
    # Half-way: both versions in the database, the old key still able to decrypt.
    assert states(registry) == [(1, "decrypt_only"), (2, "active")]
    done, total = key_rotation_progress(registry, "acme")
    assert done == 2 and total > done
    admin = api_client("acme", "admin@acme.test")
    described = admin.get("/api/v1/acme/encryption").json
    assert described["rotation_pending"] and described["progress"] == {"done": 2,
                                                                       "total": total}
    assert stored_versions(registry) == {1, 2}
    staff = api_client("acme", "staff@acme.test")
    assert {r["email"] for r in staff.get(RECORDS).json["items"]} == {
        "anna@example.org", "bram@example.org"}
    api_client("acme", "user11@acme.test")
    result = finish_key_rotation(registry, "acme", settle_seconds=0)
    assert result.retired == [("field_encryption", 1)]
    assert key_rotation_progress(registry, "acme") is None
    assert stored_versions(registry) == {2}
    assert {r["email"] for r in staff.get(RECORDS).json["items"]} == {
        "anna@example.org", "bram@example.org"}


def test_encryptions_are_counted_and_a_key_past_its_limit_refuses(registry, encrypted,
                                                                   api_client):
    from sqlalchemy import text

    encrypted()
    staff = api_client("acme", "staff@acme.test")
    [key] = data_key_status(registry, "acme", "field_encryption")
    # Reserved in blocks of 1024 per column and process: never fewer than were made.
    assert key["encryptions"] >= 3 * 2 + 2 * 3 and key["encryptions"] % 1024 == 0
    with registry.tenancy.platform_engine.begin() as connection:
        connection.execute(text("UPDATE tenant_data_keys SET encryptions = :n"),
                           {"n": 2**31})
    # A process that starts now (this one's codecs still hold a reserved block).
    registry.tenancy.field_codecs._cache.clear()
    refused = staff.post_json(RECORDS, {"name": "Over", "email": "over@example.org"},
                              expect_errors=True)
    assert refused.status_int >= 500, refused
    assert "over@example.org" not in str(raw(registry, "acme", "SELECT email FROM records"))


def test_the_daily_check_rotates_at_the_configured_count(registry, encrypted):
    from plugins.field_encryption import tasks

    encrypted(rotate_after_encryptions=1024)
    assert tasks.check_tenant(registry, "acme", 1024) == "rotated"
    assert states(registry) == [(1, "retired"), (2, "active")]
    assert tasks.check_tenant(registry, "acme", 10**9) == "ok"


def test_deleting_the_tenant_destroys_its_keys(registry, encrypted):
    from sqlalchemy import text

    from praxcloud.core.provisioning import delete_tenant

    encrypted()
    delete_tenant(registry.tenancy, "acme")
    with registry.tenancy.platform_engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM tenant_data_keys")).scalar() == 0
