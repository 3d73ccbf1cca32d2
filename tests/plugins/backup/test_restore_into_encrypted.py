"""``backup restore --tenant T --into NEW`` of a tenant whose fields are encrypted.

The copy reads what the source stored (records, users, login by e-mail,
search by name) without the source's tenant key, and nothing else changes:
its database holds no plain e-mail, a value moved between its rows does not
open, deleting the source leaves the copy readable and the source's own
backups unreadable, deleting the copy erases its keys. On SQLite and
PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from plugins.backup import service
from plugins.backup.errors import BackupError
from praxcloud.core import records
from praxcloud.core.models import PlatformAuditEvent
from praxcloud.core.provisioning import delete_tenant
from praxcloud.plugin import (
    AuditEvent,
    PraxError,
    Record,
    SealedValueError,
    User,
    finish_key_rotation,
    prepare_restored_copy,
)
from praxcloud.testing import api_login, bearer
from tests.plugins.field_encryption.conftest import execute, raw

from .test_cli import praxcloud  # noqa: F401 - the CLI fixture

ENCRYPTION = "field_encryption"
PREFIX = "pxf1:"
PEOPLE = (("Anna de Vries", "anna@example.org", "+31 6 1234 5678"),
          ("Bram O'Brien", "bram@example.org", "020-555 0101"),
          ("Chloé Martin", "chloe@example.org", None))


@pytest.fixture
def encrypted_acme(restic_installed, make_tenant, make_user, enable_plugin, api_client, target):
    make_tenant("acme", "Acme Care", plugins={"backup": {"target": target}})
    make_user("acme", "admin@acme.test", groups=("admin",))
    make_user("acme", "staff@acme.test", groups=("staff",))
    enable_plugin("acme", ENCRYPTION, {"expected_users": 4})
    staff = api_client("acme", "staff@acme.test")
    for name, email, phone in PEOPLE:
        staff.post_json("/api/v1/acme/records", {
            "name": name, "email": email, "phone": phone, "notes": f"notes on {name}"},
            status=201)
    return "acme"


def stored(tenant_request, slug: str) -> tuple[list, list]:
    """Every record's and user's personal fields, as the service reads them (decoded)."""
    with tenant_request(slug) as request:
        db = request.tenant_db
        people = [(r.id, r.name, r.email, r.phone, r.notes)
                  for r in db.scalars(select(Record).order_by(Record.id))]
        users = [(u.id, u.email, u.display_name)
                 for u in db.scalars(select(User).order_by(User.id))]
    return people, users


def found_by_name(tenant_request, slug: str, words: str) -> list[str]:
    with tenant_request(slug) as request:
        return [record.name for record in records.search(request.tenant_db, words, 1, 50).items]


def platform_rows(registry, sql: str, **params) -> list[tuple]:
    with registry.tenancy.platform_engine.begin() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def put_email(registry, slug: str, record_id: int, value: str) -> None:
    execute(registry, slug, "UPDATE records SET email = :v WHERE id = :id", v=value, id=record_id)


def tenant_id(registry, slug: str) -> int:
    [(found,)] = platform_rows(registry, "SELECT id FROM tenants WHERE slug = :s", s=slug)
    return found


def key_states(registry, slug: str) -> list[tuple]:
    return platform_rows(
        registry, "SELECT k.purpose, k.version, k.state FROM tenant_data_keys k "
                  "JOIN tenants t ON t.id = k.tenant_id WHERE t.slug = :s "
                  "ORDER BY k.purpose, k.version", s=slug)


def test_a_copy_of_an_encrypted_tenant_reads_as_the_source_and_outlives_it(
        encrypted_acme, praxcloud, registry, testapp, tenant_request, make_tenant,  # noqa: F811
        target):
    source_id = tenant_id(registry, "acme")
    before = stored(tenant_request, "acme")
    assert [person[1] for person in before[0]] == [name for name, _, _ in PEOPLE]
    praxcloud("backup", "run", "--tenant", "acme")

    out = praxcloud("backup", "restore", "--tenant", "acme", "--into", "copy").output
    assert "new tenant copy: restored backup" in out

    # The copy reads every value as the source does, through the API and the service.
    assert stored(tenant_request, "copy") == before
    token = api_login(testapp, "copy", "STAFF@acme.test")
    assert testapp.get("/api/v1/copy/me", headers=bearer(token)).json["email"] == \
        "staff@acme.test"
    listed = testapp.get("/api/v1/copy/records", headers=bearer(token)).json
    assert sorted(item["email"] for item in listed["items"]) == \
        sorted(email for _, email, _ in PEOPLE)
    assert found_by_name(tenant_request, "copy", "vries") == ["Anna de Vries"]
    assert found_by_name(tenant_request, "copy", "chloe") == ["Chloé Martin"]

    # Its database holds ciphertext only, bound to the source's id, under keys of its own rows.
    users = raw(registry, "copy", "SELECT email, display_name FROM users")
    people = raw(registry, "copy", "SELECT name, email, phone, notes FROM records")
    for value in [v for row in users + people for v in row.values() if v]:
        assert value.startswith(PREFIX)
        assert "example.org" not in value and "acme.test" not in value
    trail = raw(registry, "copy", "SELECT actor, target FROM audit_events")
    assert not any("acme.test" in (row["actor"] or "") + (row["target"] or "") for row in trail)
    with tenant_request("copy") as request:
        actors = {event.actor for event in request.tenant_db.scalars(select(AuditEvent))}
    assert "staff@acme.test" in actors
    [(origin, sealed)] = platform_rows(
        registry, "SELECT data_origin_id, sealed_codec_keys FROM tenants WHERE slug = 'copy'")
    assert origin == source_id and sealed
    # The copied key decrypts only; the copy encrypts under a key of its own.
    assert key_states(registry, "copy") == [(ENCRYPTION, 1, "decrypt_only"),
                                            (ENCRYPTION, 2, "active")]
    assert key_states(registry, "acme") == [(ENCRYPTION, 1, "active")]

    # A value moved to another row of the copy does not open.
    ids = [row["id"] for row in raw(registry, "copy", "SELECT id FROM records ORDER BY id")]
    emails = {row["id"]: row["email"]
              for row in raw(registry, "copy", "SELECT id, email FROM records")}
    put_email(registry, "copy", ids[1], emails[ids[0]])
    with pytest.raises(SealedValueError, match="does not open"):
        stored(tenant_request, "copy")
    put_email(registry, "copy", ids[1], emails[ids[1]])
    assert stored(tenant_request, "copy") == before

    # The copy's rotation finishes: its values move to its own key, the copied one goes.
    finish_key_rotation(registry, "copy")
    assert key_states(registry, "copy") == [(ENCRYPTION, 1, "retired"),
                                            (ENCRYPTION, 2, "active")]
    assert stored(tenant_request, "copy") == before
    # From then on, what the source writes under its own key does not open in the copy.
    with tenant_request("acme") as request:
        request.tenant_db.get(Record, ids[1]).email = "bram.new@example.org"
    [(_, changed)] = [(row["id"], row["email"]) for row in
                      raw(registry, "acme", "SELECT id, email FROM records WHERE id = :id",
                          id=ids[1])]
    rotated = raw(registry, "copy", "SELECT email FROM records WHERE id = :id", id=ids[1])
    put_email(registry, "copy", ids[1], changed)
    with pytest.raises(SealedValueError):
        stored(tenant_request, "copy")
    put_email(registry, "copy", ids[1], rotated[0]["email"])

    # Deleting the source: the copy still reads, logs in and searches ...
    delete_tenant(registry.tenancy, "acme")
    assert stored(tenant_request, "copy") == before
    api_login(testapp, "copy", "admin@acme.test")
    assert found_by_name(tenant_request, "copy", "vries") == ["Anna de Vries"]
    # ... and the source's own backups open for nobody: not its copy, not a new "acme".
    make_tenant("acme", plugins={"backup": {"target": target}})
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.restore(request)
    assert caught.value.code == "wrong_key"

    # Deleting the copy erases its keys: nothing of its is left in the platform database.
    copy_id = tenant_id(registry, "copy")
    delete_tenant(registry.tenancy, "copy")
    assert platform_rows(registry, "SELECT count(*) FROM tenant_data_keys WHERE tenant_id = :t",
                         t=copy_id) == [(0,)]
    assert platform_rows(registry, "SELECT count(*) FROM tenants WHERE id = :t",
                         t=copy_id) == [(0,)]


def test_only_a_new_tenant_takes_another_tenants_keys(encrypted_acme, registry, make_tenant):
    make_tenant("busy", plugins={"backup": {"target": "file:///nonexistent"}})
    with pytest.raises(PraxError, match="is not new"):
        prepare_restored_copy(registry, "acme", "busy")
    with pytest.raises(PraxError, match="itself"):
        prepare_restored_copy(registry, "acme", "acme")
    assert key_states(registry, "busy") == []


def test_a_refused_restore_takes_the_copied_keys_away_with_the_copy(
        encrypted_acme, praxcloud, registry):  # noqa: F811
    # No backup yet: refused after the copy was made and given the source's keys.
    out = praxcloud("backup", "restore", "--tenant", "acme", "--into", "copy", code=1).output
    assert "no backup" in out
    assert platform_rows(registry, "SELECT count(*) FROM tenants WHERE slug = 'copy'") == [(0,)]
    assert platform_rows(registry, "SELECT count(*) FROM tenant_data_keys") == [(1,)]
    assert key_states(registry, "acme") == [(ENCRYPTION, 1, "active")]
    with registry.tenancy.platform_session() as platform_db:
        [details] = platform_db.scalars(select(PlatformAuditEvent.details).where(
            PlatformAuditEvent.event == "tenant.restored_copy")).all()
    assert details == {"source": "acme", "origin": tenant_id(registry, "acme"),
                       "data_keys": 1, "codec_keys": 2, "plugin_keys": [],
                       "plugins": ["backup", ENCRYPTION]}
