"""Who created, changed, viewed, searched and deleted which record, through the API.

Every event names the record by id (an ``audit_subjects`` row) and by name;
a change names the fields that changed and never their values; a page of
50 records is one audit row and one INSERT of its 50 subjects, not 50
writes. Then the data subject access report finds a person's entries by
record id, user id or e-mail address.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from praxcloud.core.models import AuditEvent, AuditSubject
from tests.api.conftest import add_records, audit_events, login, tenant_db

R = "/api/v1/acme/records"
REPORT = "/api/v1/acme/audit/subject"


def subjects_of(registry, event_id: int) -> list[tuple[str, int | None]]:
    with tenant_db(registry, "acme") as db:
        return [(s.kind, s.ref_id) for s in db.scalars(
            select(AuditSubject).where(AuditSubject.event_id == event_id)
            .order_by(AuditSubject.id))]


def last(registry, name: str) -> AuditEvent:
    return audit_events(registry, "acme", name)[-1]


@contextmanager
def statements(registry, slug: str = "acme"):
    """The SQL statements sent to the tenant's database meanwhile (an executemany is one)."""
    with registry.tenancy.platform_session() as platform_db:
        engine = registry.tenancy.engine_for(registry.tenancy.find(platform_db, slug))
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_create_change_view_delete_are_audited_with_field_names_only(
        testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    created = testapp.post_json(R, {"name": "Jane Roe", "email": "jane@example.org",
                                    "notes": "allergic to penicillin",
                                    "fields": {"room": "12b"}}, headers=headers,
                                status=201).json
    made = last(registry, "record.create")
    assert (made.actor, made.target) == ("staff@acme.test", "Jane Roe")
    assert made.details == {"record_id": created["id"],
                            "fields": ["email", "fields.room", "name", "notes"]}
    assert subjects_of(registry, made.id) == [("record", created["id"])]

    url = f"{R}/{created['id']}"
    testapp.patch_json(url, {"notes": "allergic to latex", "phone": "+31 20 123 4567",
                             "name": "Jane Roe", "fields": {"room": "14"}}, headers=headers)
    changed = last(registry, "record.update")
    assert changed.details == {"record_id": created["id"],
                               "fields": ["fields.room", "notes", "phone"]}
    assert subjects_of(registry, changed.id) == [("record", created["id"])]
    # Which fields, never the values: neither the old nor the new ones.
    everything = repr([(e.target, e.details) for e in audit_events(registry, "acme")])
    for value in ("penicillin", "latex", "123 4567", "12b", "jane@example.org"):
        assert value not in everything

    testapp.get(url, headers=headers)
    viewed = last(registry, "record.view")
    assert (viewed.actor, viewed.target) == ("staff@acme.test", "Jane Roe")
    assert subjects_of(registry, viewed.id) == [("record", created["id"])]

    testapp.delete(url, headers=headers, status=204)
    deleted = last(registry, "record.delete")
    assert (deleted.target, deleted.details) == ("Jane Roe", {"record_id": created["id"]})
    assert subjects_of(registry, deleted.id) == [("record", created["id"])]


def test_refused_changes_write_no_audit_entry(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    [record_id] = add_records(registry, "acme", ["Kept"])
    testapp.patch_json(f"{R}/{record_id}", {"name": " "}, headers=headers, status=422)
    testapp.post_json(R, {"name": " "}, headers=headers, status=422)
    assert audit_events(registry, "acme", "record.update") == []
    assert audit_events(registry, "acme", "record.create") == []


def test_a_page_of_fifty_is_one_audit_row_and_one_insert_of_its_subjects(
        testapp, tenant, registry):
    ids = add_records(registry, "acme", [f"Person {n:03d}" for n in range(60)])
    headers = login(testapp, "acme", "reader@acme.test")
    with statements(registry) as seen:
        page = testapp.get(R, {"per_page": 50}, headers=headers).json
    assert len(page["items"]) == 50
    inserts = [s for s in seen if s.upper().startswith("INSERT")]
    assert len(inserts) == 2, inserts
    assert inserts[0].startswith("INSERT INTO audit_events")
    assert inserts[1].startswith("INSERT INTO audit_subjects")

    [listed] = audit_events(registry, "acme", "record.list")
    assert listed.details == {"page": 1, "shown": 50, "total": 60}
    assert listed.actor == "reader@acme.test" and listed.target is None
    assert subjects_of(registry, listed.id) == [("record", r["id"]) for r in page["items"]]
    assert {r["id"] for r in page["items"]} <= set(ids)


def test_a_search_names_what_was_searched_for(testapp, tenant, registry):
    add_records(registry, "acme", ["Anna Müller", "Hanna Berg", "Bob"])
    headers = login(testapp, "acme", "reader@acme.test")
    found = testapp.get(R, {"q": "anna"}, headers=headers).json["items"]
    searched = last(registry, "record.search")
    assert (searched.actor, searched.target) == ("reader@acme.test", "anna")
    assert searched.details == {"page": 1, "shown": 2, "total": 2}
    assert sorted(subjects_of(registry, searched.id)) == sorted(
        ("record", r["id"]) for r in found)
    testapp.get(R, {"q": "nobody"}, headers=headers)
    nothing = last(registry, "record.search")
    assert (nothing.target, nothing.details["shown"], subjects_of(registry, nothing.id)) == (
        "nobody", 0, [])


@pytest.fixture
def history(testapp, tenant, registry):
    """Staff makes and changes Jane's record; reader looks at Jane's and at Bob's."""
    staff = login(testapp, "acme", "staff@acme.test")
    jane = testapp.post_json(R, {"name": "Jane Roe", "email": "Jane@Example.org"},
                             headers=staff, status=201).json["id"]
    bob = testapp.post_json(R, {"name": "Bob Stone"}, headers=staff, status=201).json["id"]
    testapp.patch_json(f"{R}/{jane}", {"phone": "+31 20 123 4567"}, headers=staff)
    reader = login(testapp, "acme", "reader@acme.test")
    testapp.get(f"{R}/{jane}", headers=reader)
    testapp.get(f"{R}/{bob}", headers=reader)
    return {"jane": jane, "bob": bob}


def test_access_report_by_record_id(testapp, registry, history):
    auditor = login(testapp, "acme", "admin@acme.test")
    answer = testapp.get(REPORT, {"record_id": history["jane"]}, headers=auditor).json
    assert answer["subject"] == {"kind": "record", "value": str(history["jane"]),
                                 "label": "Jane Roe", "record_ids": [history["jane"]],
                                 "user_ids": []}
    assert [(e["event"], e["actor"], e["role"]) for e in answer["items"]] == [
        ("record.view", "reader@acme.test", "subject"),
        ("record.update", "staff@acme.test", "subject"),
        ("record.create", "staff@acme.test", "subject")]
    assert answer["total"] == 3
    # Bob's record is not Jane's business.
    assert all(e["target"] == "Jane Roe" for e in answer["items"])
    # Taking the report is audited, filed under Jane's record.
    taken = last(registry, "audit.subject_report")
    assert (taken.actor, taken.target) == ("admin@acme.test", "Jane Roe")
    assert subjects_of(registry, taken.id) == [("record", history["jane"])]
    again = testapp.get(REPORT, {"record_id": history["jane"]}, headers=auditor).json
    assert again["items"][0]["event"] == "audit.subject_report"


def test_access_report_of_a_deleted_record_still_finds_its_trail(testapp, registry, history):
    staff = login(testapp, "acme", "staff@acme.test")
    testapp.delete(f"{R}/{history['bob']}", headers=staff, status=204)
    auditor = login(testapp, "acme", "admin@acme.test")
    answer = testapp.get(REPORT, {"record_id": history["bob"]}, headers=auditor).json
    assert answer["subject"]["label"] == f"record {history['bob']} (deleted)"
    assert [e["event"] for e in answer["items"]] == [
        "record.delete", "record.view", "record.create"]


def test_access_report_by_email_covers_records_and_the_user(testapp, registry, history):
    auditor = login(testapp, "acme", "admin@acme.test")
    answer = testapp.get(REPORT, {"email": " jane@EXAMPLE.org "}, headers=auditor).json
    assert answer["subject"]["record_ids"] == [history["jane"]]
    assert answer["subject"]["user_ids"] == []
    assert [e["event"] for e in answer["items"]] == [
        "record.view", "record.update", "record.create"]

    # A user: their own logins and the events naming them are theirs; what they did
    # to other people's records is listed with those people withheld.
    reader_id = login_user_id(registry, "reader@acme.test")
    answer = testapp.get(REPORT, {"email": "reader@acme.test"}, headers=auditor).json
    assert answer["subject"]["user_ids"] == [reader_id]
    events = [(e["event"], e["role"], e["target"]) for e in answer["items"]]
    assert ("record.view", "actor", None) in events
    assert ("login", "subject", "reader@acme.test") in events
    assert ("user.create", "subject", "reader@acme.test") in events
    assert not any(e["target"] in ("Jane Roe", "Bob Stone") for e in answer["items"])
    assert all(e["details"] == {} for e in answer["items"] if e["role"] == "actor")
    by_id = testapp.get(REPORT, {"user_id": reader_id}, headers=auditor).json
    assert by_id["items"][1:] == answer["items"]  # the first is the report just taken


def test_access_report_by_an_address_that_names_nobody(testapp, registry, tenant):
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "stranger@example.org", "password": "not-the-one-1"},
                      status=401)
    testapp.post_json("/api/v1/acme/auth/forgot-password", {"email": "Stranger@example.org"},
                      status=202)
    auditor = login(testapp, "acme", "admin@acme.test")
    answer = testapp.get(REPORT, {"email": "stranger@example.org"}, headers=auditor).json
    assert (answer["subject"]["user_ids"], answer["subject"]["record_ids"]) == ([], [])
    assert [(e["event"], e["outcome"]) for e in answer["items"]] == [
        ("password.reset_request", "success"), ("login", "failure")]


def login_user_id(registry, email: str) -> int:
    from praxcloud.core.local_auth import find_user_by_email

    with tenant_db(registry, "acme") as db:
        return find_user_by_email(db, email).id


@pytest.mark.parametrize("query", [
    {}, {"record_id": "1", "email": "a@b.c"}, {"record_id": "x"}, {"user_id": "0"},
    {"record_id": "99999999999"}, {"email": "no-at-sign"}, {"email": "a@b.c" * 60},
])
def test_access_report_needs_exactly_one_usable_subject(testapp, tenant, query):
    auditor = login(testapp, "acme", "admin@acme.test")
    answer = testapp.get(REPORT, query, headers=auditor, status=400).json
    assert answer["error"]["code"] == "invalid_parameter"


def test_access_report_of_an_unknown_id_is_404(testapp, tenant):
    auditor = login(testapp, "acme", "admin@acme.test")
    testapp.get(REPORT, {"record_id": 4242}, headers=auditor, status=404)
    testapp.get(REPORT, {"user_id": 4242}, headers=auditor, status=404)


@pytest.mark.parametrize("email", ["staff@acme.test", "reader@acme.test"])
def test_access_report_needs_audit_read(testapp, registry, history, email):
    headers = login(testapp, "acme", email)
    testapp.get(REPORT, {"record_id": history["jane"]}, headers=headers, status=403)
    assert audit_events(registry, "acme", "audit.subject_report") == []
