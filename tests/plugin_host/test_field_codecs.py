"""The core's field layer: a codec plugin's fields are stored encoded and used plain.

``sealed_fields`` (tests/plugin_host/fixtures) seals e-mail, name, phone and
notes fields under a key of the tenant's; the database must only ever hold
ciphertext, while login, forgot-password, the duplicate check, the API and
the console keep working with the plain values. Runs on SQLite and on
PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from praxcloud.core import contracts
from praxcloud.core.errors import TenantUnavailable
from praxcloud.testing import PASSWORD, api_login, bearer
from tests.api.conftest import login
from tests.api.samples import NEW_PASSWORD
from tests.api.test_password_reset import mails, reset_token_from
from tests.console.conftest import login as console_login
from tests.plugin_host.conftest import entry_points
from tests.plugin_host.fixtures import sealed_fields

pytestmark = pytest.mark.parametrize("plugin_entry_points", [entry_points("sealed_fields")])

USERS = "/api/v1/acme/users"
RECORDS = "/api/v1/acme/records"
SEALED = sealed_fields.PREFIX


def raw(registry, slug: str, sql: str, **params) -> list[dict]:
    """Rows as the database holds them, read past the ORM and its codecs."""
    with registry.tenancy.platform_session() as platform_db:
        engine = registry.tenancy.engine_for(registry.tenancy.find(platform_db, slug))
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(text(sql), params).mappings()]


def stored_user(registry, user_id: int) -> dict:
    [row] = raw(registry, "acme", "SELECT email, email_index, display_name FROM users "
                                  "WHERE id = :id", id=user_id)
    return row


@pytest.fixture
def sealed(registry, tenant, make_tenant, make_user):
    """acme seals its fields (enabled after its users exist); beta stores plain."""
    make_tenant("beta")
    make_user("beta", "staff@beta.test")
    contracts.enable(registry, "acme", "sealed_fields")
    return tenant


def test_existing_and_new_users_are_stored_sealed_and_log_in_by_blind_index(
        testapp, registry, sealed):
    rows = raw(registry, "acme", "SELECT email, email_index FROM users ORDER BY id")
    assert len(rows) == 3
    for row in rows:
        assert row["email"].startswith(SEALED) and "acme.test" not in row["email"]
        assert len(row["email_index"]) == 64
    # Sealed when the plugin was enabled, found at login through the blind index.
    api_login(testapp, "acme", "Admin@ACME.test")

    admin = login(testapp, "acme", "admin@acme.test")
    made = testapp.post_json(USERS, {"email": "New.Person@Acme.test", "groups": ["staff"],
                                     "display_name": "New Person", "password": NEW_PASSWORD},
                             headers=admin, status=201).json
    assert made["email"] == "new.person@acme.test" and made["display_name"] == "New Person"
    stored = stored_user(registry, made["id"])
    assert stored["email"].startswith(SEALED) and stored["display_name"].startswith(SEALED)
    assert "person" not in (stored["email"] + stored["display_name"]).lower()
    token = api_login(testapp, "acme", "new.person@acme.test", NEW_PASSWORD)
    me = testapp.get("/api/v1/acme/me", headers=bearer(token)).json
    assert (me["email"], me["display_name"]) == ("new.person@acme.test", "New Person")

    # The duplicate check compares blind indexes: ciphertexts always differ.
    duplicate = testapp.post_json(USERS, {"email": "NEW.person@acme.test", "groups": ["staff"],
                                          "password": NEW_PASSWORD}, headers=admin, status=409)
    assert duplicate.json["error"]["code"] == "duplicate_email"
    # beta never enabled the plugin: its rows stay plain.
    assert raw(registry, "beta", "SELECT email, email_index FROM users") == [
        {"email": "staff@beta.test", "email_index": None}]


def test_changing_a_sealed_email_moves_its_blind_index(testapp, registry, sealed):
    admin = login(testapp, "acme", "admin@acme.test")
    staff = next(u for u in testapp.get(USERS, headers=admin).json["items"]
                 if u["email"] == "staff@acme.test")
    before = stored_user(registry, staff["id"])
    changed = testapp.patch_json(f"{USERS}/{staff['id']}", {"display_name": "Sam Staff"},
                                 headers=admin).json
    assert changed["display_name"] == "Sam Staff"
    after = stored_user(registry, staff["id"])
    # Only the changed field was written again; the e-mail and its index stand.
    assert after["email"] == before["email"] and after["email_index"] == before["email_index"]
    assert after["display_name"].startswith(SEALED)
    api_login(testapp, "acme", "staff@acme.test")


def test_forgot_password_finds_a_sealed_address(testapp, registry, sealed):
    testapp.post_json("/api/v1/acme/auth/forgot-password", {"email": "STAFF@acme.test"},
                      status=202)
    [message] = mails(registry)
    assert message["To"] == "staff@acme.test"
    testapp.post_json("/api/v1/acme/auth/reset-password",
                      {"token": reset_token_from(message), "password": NEW_PASSWORD})
    api_login(testapp, "acme", "staff@acme.test", NEW_PASSWORD)


def test_user_search_finds_a_sealed_address_only_in_full(testapp, registry, sealed):
    admin = login(testapp, "acme", "admin@acme.test")
    assert [u["email"] for u in testapp.get(USERS, {"q": "staff@ACME.test"},
                                            headers=admin).json["items"]] == ["staff@acme.test"]
    # A fragment would need the plain text in SQL: a sealed tenant cannot match it.
    assert testapp.get(USERS, {"q": "staff"}, headers=admin).json["total"] == 0
    assert testapp.get(USERS, headers=admin).json["total"] == 3
    console_login(testapp, "admin@acme.test")
    console = testapp.get("/acme/users", {"q": "reader@acme.test"})
    assert "reader@acme.test" in console.text and "staff@acme.test" not in console.text


def test_records_are_sealed_at_rest_and_plain_in_the_api(testapp, registry, sealed):
    staff = login(testapp, "acme", "staff@acme.test")
    made = testapp.post_json(RECORDS, {"name": "Jo Client", "email": "jo@example.org",
                                       "phone": "+31 20 123 4567", "notes": "allergic to nuts"},
                             headers=staff, status=201).json
    [row] = raw(registry, "acme", "SELECT name, email, phone, notes FROM records")
    assert row["name"] == "Jo Client"  # searched by name in SQL: stays plain
    for field in ("email", "phone", "notes"):
        assert row[field].startswith(SEALED)
    assert "nuts" not in row["notes"] and "4567" not in row["phone"]

    testapp.patch_json(f"{RECORDS}/{made['id']}", {"phone": "+31 6 1234 5678"}, headers=staff)
    shown = testapp.get(f"{RECORDS}/{made['id']}", headers=staff).json
    assert (shown["email"], shown["phone"], shown["notes"]) == (
        "jo@example.org", "+31 6 1234 5678", "allergic to nuts")
    assert [r["name"] for r in testapp.get(RECORDS, {"q": "jo c"}, headers=staff).json[
        "items"]] == ["Jo Client"]
    console_login(testapp, "staff@acme.test")
    page = testapp.get(f"/acme/records/{made['id']}")
    assert "allergic to nuts" in page.text and "+31 6 1234 5678" in page.text


def test_a_field_left_out_of_the_settings_stays_plain(testapp, registry, sealed):
    contracts.enable(registry, "beta", "sealed_fields", {"fields": ["records.notes"]})
    staff = login(testapp, "beta", "staff@beta.test")
    testapp.post_json("/api/v1/beta/records", {"name": "Plain Phone", "phone": "+31 20 000 0000",
                                               "notes": "secret"}, headers=staff, status=201)
    assert raw(registry, "beta", "SELECT email, email_index FROM users") == [
        {"email": "staff@beta.test", "email_index": None}]
    [row] = raw(registry, "beta", "SELECT phone, notes FROM records")
    assert row["phone"] == "+31 20 000 0000" and row["notes"].startswith(SEALED)


def test_codecs_are_asked_for_once_per_tenant_and_contract(testapp, registry, sealed):
    token = api_login(testapp, "acme", "staff@acme.test")
    # Resolved once for the contract the enabling's move left (the move itself
    # resolved both of its sides while it ran), then cached.
    sealed_fields.resolved.clear()
    for _ in range(5):
        testapp.get("/api/v1/acme/me", headers=bearer(token))
    assert sealed_fields.resolved == []
    contracts.configure(registry, "acme", "sealed_fields", {"fields": ["users.email"]},
                        settle_seconds=0)
    sealed_fields.resolved.clear()
    for _ in range(3):
        testapp.get("/api/v1/acme/me", headers=bearer(token))
    assert sealed_fields.resolved == [("acme", "users", "email")]


def test_disabling_the_codec_plugin_stores_everything_plain_again(testapp, registry, sealed):
    contracts.disable(registry, "acme", "sealed_fields")
    rows = raw(registry, "acme", "SELECT email, email_index FROM users ORDER BY id")
    assert [r["email"] for r in rows] == ["admin@acme.test", "staff@acme.test",
                                          "reader@acme.test"]
    assert {r["email_index"] for r in rows} == {None}
    api_login(testapp, "acme", "reader@acme.test", PASSWORD)


def test_a_codec_that_cannot_be_made_makes_the_tenant_unavailable(
        testapp, registry, sealed, monkeypatch):
    token = api_login(testapp, "acme", "staff@acme.test")

    def unreachable(*args):
        raise RuntimeError("key service unreachable")

    monkeypatch.setattr(sealed_fields, "SealedField", unreachable)
    # A changed contract makes the core ask for acme's codecs again; the
    # change is saved, but recording it in acme's own trail is refused.
    with pytest.raises(TenantUnavailable):
        contracts.configure(registry, "acme", "sealed_fields", {"fields": ["users.email"]})
    for response in (testapp.get("/api/v1/acme/me", headers=bearer(token), status=503),
                     testapp.post_json("/api/v1/acme/auth/login", {
                         "email": "staff@acme.test", "password": PASSWORD}, status=503)):
        assert response.json["error"]["code"] == "plugin_unavailable"
    # Fail closed for acme only: beta runs on.
    api_login(testapp, "beta", "staff@beta.test")
    monkeypatch.undo()
    assert testapp.get("/api/v1/acme/me", headers=bearer(token)).json["email"] == (
        "staff@acme.test")


def test_the_longest_values_fit_once_sealed(testapp, registry, sealed):
    """The widened columns (tenant migration 0002) hold ciphertext of maximal plain values."""
    admin = login(testapp, "acme", "admin@acme.test")
    email = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 61])
    assert len(email) == 254
    made = testapp.post_json(USERS, {"email": email, "display_name": "N" * 200,
                                     "groups": ["staff"], "password": NEW_PASSWORD},
                             headers=admin, status=201).json
    assert len(stored_user(registry, made["id"])["email"]) > 254
    record = testapp.post_json(RECORDS, {"name": "Long", "phone": "+" + "1" * 39},
                               headers=admin, status=201).json
    assert testapp.get(f"{RECORDS}/{record['id']}", headers=admin).json["phone"] == "+" + "1" * 39
    api_login(testapp, "acme", email, NEW_PASSWORD)
