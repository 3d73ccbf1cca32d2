"""field_encryption stores the chosen fields as AES-256-GCM ciphertext bound to their row.

What an institution relies on: the database holds no personal value in
plain text, the console, the API, login and forgot-password keep working,
and a ciphertext moved to another row, column or tenant does not open.
On SQLite and PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import json

import pytest

from praxcloud.plugin import SealedValueError
from praxcloud.testing import PASSWORD, api_login, bearer

from .conftest import NAME, execute, raw

PREFIX = "pxf1:"
RECORDS = "/api/v1/acme/records"
PLAIN_VALUES = ("anna@example.org", "Anna de Vries", "1234 5678", "notes on", "acme.test",
                "bram@example.org", "1984", "Zilveren", "insurer")
# The free fields (JSON) as their text, whichever the backend's JSON type.
RAW_RECORDS = ("SELECT name, email, phone, date_of_birth, notes, CAST(fields AS TEXT) AS fields "
               "FROM records")


def assert_no_plaintext(registry, slug="acme"):
    """No plain personal value anywhere in the encrypted columns."""
    users = raw(registry, slug, "SELECT email, display_name FROM users")
    records = raw(registry, slug, RAW_RECORDS)
    audit = raw(registry, slug, "SELECT actor, target FROM audit_events")
    stored = [value for row in users + records + audit for value in row.values() if value]
    for value in stored:
        for plain in PLAIN_VALUES:
            assert plain not in value, (plain, value)
    assert all(row["email"].startswith(PREFIX) for row in users)
    assert all(row[field].startswith(PREFIX) for row in records
               for field in ("name", "email", "phone", "notes"))
    # The free fields are one JSON string: the ciphertext, quoted.
    assert all(row["fields"].startswith('"' + PREFIX) for row in records)
    dates = [row["date_of_birth"] for row in records if row["date_of_birth"] is not None]
    assert dates and all(date.startswith(PREFIX) for date in dates)


def test_existing_values_are_encrypted_when_enabled_and_read_plain(
        registry, encrypted, api_client):
    encrypted()
    assert_no_plaintext(registry)
    staff = api_client("acme", "staff@acme.test")
    items = staff.get(RECORDS).json["items"]
    assert sorted((r["email"], r["phone"], r["date_of_birth"], r["fields"]) for r in items) == [
        ("anna@example.org", "+31 6 1234 5678", "1984-03-05", {"insurer": "Zilveren Kruis"}),
        ("bram@example.org", "020-555 0101", None, {"insurer": "VGZ Zorg"})]
    # Values written after enabling are encrypted too.
    created = staff.post_json(RECORDS, {"name": "Chris", "email": "chris@example.org",
                                        "phone": "+32 2 555 01 01", "notes": "new",
                                        "date_of_birth": "2001-12-31",
                                        "fields": {"room": 12, "diet": "no nuts"}},
                              status=201).json
    [row] = raw(registry, "acme", "SELECT email, phone, notes, date_of_birth, "
                                  "CAST(fields AS TEXT) AS fields FROM records WHERE id = :id",
                id=created["id"])
    assert all(value.lstrip('"').startswith(PREFIX) for value in row.values())
    read = staff.get(f"{RECORDS}/{created['id']}").json
    assert (read["email"], read["date_of_birth"], read["fields"]) == (
        "chris@example.org", "2001-12-31", {"room": 12, "diet": "no nuts"})
    # A change to the date and the free fields is written encrypted as well.
    staff.patch_json(f"{RECORDS}/{created['id']}",
                     {"date_of_birth": "2002-01-01", "fields": {"room": 14}})
    assert_no_plaintext(registry)
    read = staff.get(f"{RECORDS}/{created['id']}").json
    assert (read["date_of_birth"], read["fields"]) == ("2002-01-01", {"room": 14})


def test_login_forgot_password_and_the_duplicate_check_by_encrypted_email(
        testapp, registry, encrypted, mailbox, api_client):
    encrypted()
    token = api_login(testapp, "acme", "STAFF@acme.test")
    assert testapp.get("/api/v1/acme/me", headers=bearer(token)).json["email"] == \
        "staff@acme.test"
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "nobody@acme.test", "password": PASSWORD}, status=401)
    testapp.post_json("/api/v1/acme/auth/forgot-password", {"email": "reader@acme.test"},
                      status=202)
    assert "reset" in mailbox.last("reader@acme.test").subject.lower()
    admin = api_client("acme", "admin@acme.test")
    refused = admin.post_json("/api/v1/acme/users", {"email": "Staff@Acme.test",
                                                     "groups": ["staff"]}, status=409)
    assert refused.json["error"]["code"] == "duplicate_email"


def test_a_truncated_blind_index_keeps_login_exact(testapp, registry, encrypted, make_user,
                                                   tenant_request):
    from .test_audit_report import colliding_addresses

    # Sized for 2 users: the index has 8 bits, so addresses share index values.
    encrypted(expected_users=2)
    first, second = colliding_addresses(tenant_request)
    for email in (first, second, "third@example.org"):
        make_user("acme", email)
    indexes = [row["email_index"] for row in raw(registry, "acme",
                                                 "SELECT email_index FROM users")]
    assert all(len(index) == 2 for index in indexes)
    assert len(set(indexes)) < len(indexes)
    for email in (first, second, "third@example.org"):
        token = api_login(testapp, "acme", email)
        assert testapp.get("/api/v1/acme/me", headers=bearer(token)).json["email"] == email


def copy_value(registry, column: str, source: int, target: int, table: str = "records",
               target_column: str | None = None):
    # Names from the test's own parameters, never input.
    [row] = raw(registry, "acme", f"SELECT {column} FROM {table} WHERE id = :id",  # noqa: S608
                id=source)
    execute(registry, "acme", f"UPDATE {table} SET {target_column or column} = :v "  # noqa: S608
                              "WHERE id = :id", v=row[column], id=target)


def read_record(tenant_request, record_id: int):
    from praxcloud.plugin import Record

    with tenant_request("acme") as request:
        record = request.tenant_db.get(Record, record_id)
        return record.email, record.phone


@pytest.mark.parametrize("swap", ["row", "column"])
def test_a_ciphertext_moved_to_another_row_or_column_does_not_open(
        registry, encrypted, tenant_request, swap):
    encrypted()
    ids = [row["id"] for row in raw(registry, "acme", "SELECT id FROM records ORDER BY id")]
    assert read_record(tenant_request, ids[1])[0] == "bram@example.org"
    if swap == "row":
        copy_value(registry, "email", ids[0], ids[1])
    else:
        copy_value(registry, "email", ids[1], ids[1], target_column="phone")
    with pytest.raises(SealedValueError, match="does not open"):
        read_record(tenant_request, ids[1])


@pytest.mark.parametrize("column", ["date_of_birth", "fields"])
def test_a_date_or_free_fields_moved_to_another_row_do_not_open(
        registry, encrypted, tenant_request, column):
    from praxcloud.plugin import Record

    encrypted()
    ids = [row["id"] for row in raw(registry, "acme", "SELECT id FROM records ORDER BY id")]
    # Copied in SQL: a JSON column's value cannot go through a text parameter on PostgreSQL.
    execute(registry, "acme", f"UPDATE records SET {column} = "  # noqa: S608
                              f"(SELECT {column} FROM records WHERE id = :source) "
                              "WHERE id = :target", source=ids[0], target=ids[1])
    with pytest.raises(SealedValueError, match="does not open"):
        with tenant_request("acme") as request:
            request.tenant_db.get(Record, ids[1])


@pytest.mark.parametrize("column", ["email", "date_of_birth", "fields"])
def test_a_page_with_a_moved_ciphertext_is_refused_whole(registry, encrypted, api_client, column):
    """The list decodes a page column by column: one value that does not open
    refuses the page (fail closed), and the records still open one by one."""
    encrypted()
    staff = api_client("acme", "staff@acme.test")
    page = staff.get(RECORDS).json["items"]
    assert [item["email"] for item in page] == ["anna@example.org", "bram@example.org"]
    assert page[0]["fields"] == {"insurer": "Zilveren Kruis"}
    assert page[0]["date_of_birth"] == "1984-03-05"
    ids = [item["id"] for item in page]
    execute(registry, "acme", f"UPDATE records SET {column} = "  # noqa: S608
                              f"(SELECT {column} FROM records WHERE id = :source) "
                              "WHERE id = :target", source=ids[0], target=ids[1])
    refused = staff.get(RECORDS, status=500)
    assert "error" in refused.json
    assert "anna@example.org" not in refused.text and "Zilveren" not in refused.text
    assert staff.get(f"{RECORDS}/{ids[0]}").json["email"] == "anna@example.org"
    staff.get(f"{RECORDS}/{ids[1]}", status=500)


def test_a_ciphertext_moved_to_another_tenant_does_not_open(
        registry, encrypted, make_tenant, enable_plugin, api_client, tenant_request):
    encrypted()
    make_tenant("beta", "Beta")
    enable_plugin("beta", NAME)
    execute(registry, "beta", "INSERT INTO records (id, name, email, phone, notes, fields, "
                              "created_at, updated_at, last_activity_at) VALUES (1, 'x', 'x', "
                              "NULL, '', '{}', '2026-01-01', '2026-01-01', '2026-01-01')")
    [stolen] = raw(registry, "acme", "SELECT email FROM records ORDER BY id LIMIT 1")
    execute(registry, "beta", "UPDATE records SET email = :v WHERE id = 1", v=stolen["email"])
    from praxcloud.plugin import Record

    with pytest.raises(SealedValueError):
        with tenant_request("beta") as request:
            request.tenant_db.get(Record, 1)


def test_disabling_decrypts_everything_and_login_still_works(
        testapp, registry, encrypted, api_client):
    from praxcloud.core import contracts

    encrypted()
    contracts.disable(registry, "acme", NAME)
    users = raw(registry, "acme", "SELECT email, email_index FROM users ORDER BY id")
    assert [u["email"] for u in users] == ["admin@acme.test", "staff@acme.test",
                                           "reader@acme.test"]
    assert all(u["email_index"] is None for u in users)
    records = raw(registry, "acme", "SELECT name, name_tokens, email FROM records ORDER BY id")
    assert [r["email"] for r in records] == ["anna@example.org", "bram@example.org"]
    assert [r["name"] for r in records] == ["Anna de Vries", "Bram O'Brien"]
    assert all(r["name_tokens"] is None for r in records)
    dates_and_fields = raw(registry, "acme", "SELECT date_of_birth, CAST(fields AS TEXT) AS f "
                                             "FROM records ORDER BY id")
    assert [(r["date_of_birth"], json.loads(r["f"])) for r in dates_and_fields] == [
        ("1984-03-05", {"insurer": "Zilveren Kruis"}), (None, {"insurer": "VGZ Zorg"})]
    assert not any(PREFIX in (row["actor"] or "") + (row["target"] or "")
                   for row in raw(registry, "acme", "SELECT actor, target FROM audit_events"))
    api_login(testapp, "acme", "staff@acme.test")


def test_changing_the_field_list_moves_each_value(registry, encrypted, api_client):
    from praxcloud.core import contracts

    encrypted()
    contracts.configure(registry, "acme", NAME, {"fields": ["users.email", "records.email"]})
    records = raw(registry, "acme", "SELECT email, phone, notes FROM records ORDER BY id")
    assert records[0]["email"].startswith(PREFIX)
    assert records[0]["phone"] == "+31 6 1234 5678"
    assert records[0]["notes"] == "notes on Anna de Vries"
    contracts.configure(registry, "acme", NAME, {"fields": ["records.notes"]})
    records = raw(registry, "acme", "SELECT email, phone, notes FROM records ORDER BY id")
    assert records[0]["email"] == "anna@example.org"
    assert records[0]["notes"].startswith(PREFIX)
    users = raw(registry, "acme", "SELECT email, email_index FROM users ORDER BY id")
    assert users[0] == {"email": "admin@acme.test", "email_index": None}
    staff = api_client("acme", "staff@acme.test")
    assert staff.get(RECORDS).json["items"][0]["notes"] == "notes on Anna de Vries"


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_rows_get_their_id_before_encryption(registry, encrypted, api_client):
    encrypted()
    staff = api_client("acme", "staff@acme.test")
    created = staff.post_json(RECORDS, {"name": "Dana", "email": "dana@example.org"},
                              status=201).json
    # The next row takes the next id: the sequence was used, not an extra UPDATE.
    following = staff.post_json(RECORDS, {"name": "Eve", "email": "eve@example.org"},
                                status=201).json
    assert following["id"] == created["id"] + 1
    assert staff.get(f"{RECORDS}/{following['id']}").json["email"] == "eve@example.org"


def test_an_encrypted_name_is_found_by_whole_words(registry, encrypted, api_client,
                                                   console_client):
    encrypted()
    tokens = raw(registry, "acme", "SELECT name_tokens FROM records ORDER BY id")
    assert tokens[0]["name_tokens"].startswith(" ") and "vries" not in tokens[0]["name_tokens"]
    staff = api_client("acme", "staff@acme.test")
    staff.post_json(RECORDS, {"name": "Zoë Öztürk-Jansen"}, status=201)

    def found(query):
        return sorted(r["name"] for r in staff.get(RECORDS, {"q": query}).json["items"])

    assert found("anna") == ["Anna de Vries"]
    assert found("VRIES de") == ["Anna de Vries"]
    assert found("o'brien") == ["Bram O'Brien"]
    assert found("zoe ozturk") == ["Zoë Öztürk-Jansen"]
    assert found("jansen") == ["Zoë Öztürk-Jansen"]
    # Whole words only: a fragment matches nothing (documented).
    assert found("ann") == []
    assert staff.get(RECORDS, {"q": "anna"}).json["total"] == 1
    # Without a search, in the order they were made (ciphertext has no order).
    assert [r["name"] for r in staff.get(RECORDS).json["items"]] == [
        "Anna de Vries", "Bram O'Brien", "Zoë Öztürk-Jansen"]
    console = console_client("acme", "staff@acme.test")
    page = console.get("/acme/records", {"q": "bram"})
    assert "Bram O&#39;Brien" in page.text or "Bram O'Brien" in page.text
    assert "Anna de Vries" not in page.text
