"""The audit trail under a field codec on ``users.email``.

The trail's display values (who acted, on whom or what, what was searched
for) follow the e-mail's codec: the database holds only ciphertext, while
the console, the exports and the access report show plain values, and the
access report still finds a person by e-mail through the blind index.
Runs on SQLite and on PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text

from praxcloud.core import contracts
from praxcloud.testing import PASSWORD
from tests.api.conftest import login
from tests.console.admin_support import console_login
from tests.plugin_host.conftest import entry_points
from tests.plugin_host.fixtures import sealed_fields

pytestmark = pytest.mark.parametrize("plugin_entry_points", [entry_points("sealed_fields")])

SEALED = sealed_fields.PREFIX
REPORT = "/api/v1/acme/audit/subject"


def raw(registry, sql: str) -> list[dict]:
    """Rows as acme's database holds them, read past the ORM and its codecs."""
    with registry.tenancy.platform_session() as platform_db:
        engine = registry.tenancy.engine_for(registry.tenancy.find(platform_db, "acme"))
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(text(sql)).mappings()]


def stored_display_values(registry) -> list[str]:
    rows = raw(registry, "SELECT actor, target FROM audit_events ORDER BY id")
    return [value for row in rows for value in (row["actor"], row["target"]) if value]


@pytest.fixture
def trail(testapp, registry, tenant):
    """acme seals users.email (after its users were made), then things happen."""
    contracts.enable(registry, "acme", "sealed_fields", {"fields": ["users.email"]})
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": "wrong-password-1"}, status=401)
    testapp.post_json("/api/v1/acme/auth/forgot-password",
                      {"email": "stranger@example.org"}, status=202)
    staff = login(testapp, "acme", "staff@acme.test")
    record = testapp.post_json("/api/v1/acme/records", {"name": "Jo Client"}, headers=staff,
                               status=201).json
    testapp.get("/api/v1/acme/records", {"q": "jo cl"}, headers=staff)
    return {"record": record["id"]}


def test_the_database_holds_no_plain_email_or_name_in_the_trail(registry, trail):
    values = stored_display_values(registry)
    assert len(values) >= 8
    for value in values:
        assert value.startswith(SEALED), value
    dump = repr(raw(registry, "SELECT * FROM audit_events")) + repr(
        raw(registry, "SELECT * FROM audit_subjects"))
    for plain in ("acme.test", "example.org", "Jo Client", "jo cl", "@"):
        assert plain not in dump


def test_console_and_exports_show_plain_values(testapp, registry, trail):
    console_login(testapp, registry, "admin@acme.test")
    page = testapp.get("/acme/audit")
    assert "staff@acme.test" in page.text and "stranger@example.org" in page.text
    assert SEALED not in page.text
    rows = list(csv.DictReader(io.StringIO(testapp.get("/acme/audit/export.csv").text)))
    assert ("login", "failure", "staff@acme.test") in [
        (r["event"], r["outcome"], r["target"]) for r in rows]
    assert ("record.search", "jo cl") in [(r["event"], r["target"]) for r in rows]
    # Sealed actors cannot be searched by fragment: the whole address finds its events.
    exact = testapp.get("/acme/audit", {"actor": "STAFF@acme.test"})
    shown = {row.select("td")[1].get_text(strip=True)
             for row in exact.html.select("table.audit tbody tr")}
    assert shown == {"login", "record.create", "record.search"}
    assert "No events match" in testapp.get("/acme/audit", {"actor": "staff"}).text


def test_access_report_finds_a_person_by_email_through_the_blind_index(
        testapp, registry, trail):
    auditor = login(testapp, "acme", "admin@acme.test")
    answer = testapp.get(REPORT, {"email": "Staff@ACME.test"}, headers=auditor).json
    assert len(answer["subject"]["user_ids"]) == 1
    events = [(e["event"], e["outcome"], e["role"]) for e in answer["items"]]
    assert ("login", "failure", "subject") in events
    assert ("login", "success", "subject") in events
    assert ("user.create", "success", "subject") in events  # written before the codec
    assert ("record.create", "success", "actor") in events
    stranger = testapp.get(REPORT, {"email": "stranger@example.org"}, headers=auditor).json
    assert [(e["event"], e["target"]) for e in stranger["items"]] == [
        ("password.reset_request", "stranger@example.org")]
    record = testapp.get(REPORT, {"record_id": trail["record"]}, headers=auditor).json
    assert [e["event"] for e in record["items"]] == ["record.search", "record.create"]
    assert all(value.startswith(SEALED) for value in stored_display_values(registry))


def test_disabling_the_codec_stores_the_trail_plain_again(testapp, registry, trail):
    contracts.disable(registry, "acme", "sealed_fields")
    values = stored_display_values(registry)
    assert not any(value.startswith(SEALED) for value in values)
    assert "stranger@example.org" in values
    login(testapp, "acme", "staff@acme.test", PASSWORD)
