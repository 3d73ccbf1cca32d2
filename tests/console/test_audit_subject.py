"""Record events through the console, the access report page and its exports, and
what the audit trail's exports and display values must not carry."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from praxcloud.core.models import AuditEvent, AuditSubject
from praxcloud.core.scripting import tenant_request
from tests.console.admin_support import add_audit_event, audit_events, console_login, field_error
from tests.console.test_console_records import add_records, fill

DAY = dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC)


def record_subjects(registry, event: str) -> list[list[int]]:
    """For each ``event`` row, oldest first, the record ids it names."""
    with tenant_request(registry, "acme") as request:
        rows = request.tenant_db.execute(
            select(AuditEvent.id, AuditSubject.ref_id)
            .outerjoin(AuditSubject, (AuditSubject.event_id == AuditEvent.id)
                       & (AuditSubject.kind == "record"))
            .where(AuditEvent.event == event)
            .order_by(AuditEvent.id, AuditSubject.id)).all()
    by_event: dict[int, list[int]] = {}
    for event_id, ref_id in rows:
        by_event.setdefault(event_id, [])
        if ref_id is not None:
            by_event[event_id].append(ref_id)
    return list(by_event.values())


def test_console_record_flows_are_audited(staff, registry):
    form = fill(staff.get("/acme/records/new").forms["record-form"], name="Ada Lovelace",
                email="ada@example.org", notes="secret note")
    record_id = int(form.submit(status=303).location.rsplit("/", 1)[1])
    [created] = audit_events(registry, "record.create")
    assert (created["actor"], created["target"]) == ("staff@acme.test", "Ada Lovelace")
    assert created["details"] == {"record_id": record_id, "fields": ["email", "name", "notes"]}

    staff.get(f"/acme/records/{record_id}")
    edit = staff.get(f"/acme/records/{record_id}/edit")  # the form shows every value too
    fill(edit.forms["record-form"], notes="another secret").submit(status=303)
    [changed] = audit_events(registry, "record.update")
    assert changed["details"] == {"record_id": record_id, "fields": ["notes"]}
    assert len(audit_events(registry, "record.view")) == 2

    add_records(registry, ["Alan Turing", "Grace Hopper"])
    staff.get("/acme/records")
    staff.get("/acme/records", {"q": "ada"})
    [listed] = audit_events(registry, "record.list")
    assert listed["details"] == {"page": 1, "shown": 3, "total": 3}
    [searched] = audit_events(registry, "record.search")
    assert (searched["target"], searched["details"]["shown"]) == ("ada", 1)
    assert record_subjects(registry, "record.search") == [[record_id]]
    assert sorted(record_subjects(registry, "record.list")[0]) == sorted(
        [record_id, record_id + 1, record_id + 2])

    staff.get(f"/acme/records/{record_id}/delete").forms["delete-form"].submit(status=303)
    [deleted] = audit_events(registry, "record.delete")
    assert (deleted["target"], deleted["details"]) == ("Ada Lovelace", {"record_id": record_id})
    assert record_subjects(registry, "record.delete") == [[record_id]]
    trail = repr(audit_events(registry))
    assert "secret" not in trail and "ada@example.org" not in trail


@pytest.fixture
def auditor(testapp, registry, tenant):
    console_login(testapp, registry, "admin@acme.test")
    return testapp


def test_access_report_page_and_exports(auditor, registry, testapp):
    [record_id] = add_records(registry, ["Jane Roe"])
    console_login(testapp, registry, "staff@acme.test")
    testapp.get(f"/acme/records/{record_id}")
    console_login(testapp, registry, "admin@acme.test")

    page = auditor.get("/acme/audit").click("Access report")
    form = page.forms["subject-form"]
    form["record"] = str(record_id)
    report = form.submit()
    rows = report.html.select("table.audit tbody tr")
    assert [r.select("td")[1].get_text(strip=True) for r in rows] == ["record.view"]
    assert "Jane Roe" in report.html.find("h2").get_text()
    [taken] = audit_events(registry, "audit.subject_report")
    assert taken["details"] == {"by": "record", "entries": 1, "format": "page"}

    answer = report.click("Export CSV")
    assert answer.content_type == "text/csv"
    assert answer.headers["Content-Disposition"].startswith(
        'attachment; filename="access-report-acme-')
    exported = list(csv.DictReader(io.StringIO(answer.text)))
    # Newest first: the report taken a moment ago is the newest entry about Jane.
    assert [(r["event"], r["role"], r["actor"]) for r in exported] == [
        ("audit.subject_report", "subject", "admin@acme.test"),
        ("record.view", "subject", "staff@acme.test")]

    data = auditor.get("/acme/audit/subject/export.json", {"record": record_id}).json
    assert data["subject"]["record_ids"] == [record_id]
    assert [e["event"] for e in data["entries"]][-1] == "record.view"
    assert [t["details"]["format"] for t in audit_events(registry, "audit.subject_report")] == [
        "page", "csv", "json"]


@pytest.mark.parametrize("query, field, message", [
    ({"record": "abc"}, "record", "Enter the number"),
    ({"user": "-1"}, "user", "Enter the number"),
    ({"record": "4242"}, "record", "There is no record with this number"),
    ({"email": "no-at-sign"}, "email", "like name@example.org"),
])
def test_access_report_bad_input_is_a_form_message(auditor, registry, query, field, message):
    page = auditor.get("/acme/audit/subject", query, status=422)
    assert message in field_error(page, field)
    auditor.get("/acme/audit/subject/export.csv", query, status=422)
    assert audit_events(registry, "audit.subject_report") == []


def test_access_report_wants_one_subject(auditor):
    page = auditor.get("/acme/audit/subject", {"record": "1", "email": "a@b.c"}, status=422)
    assert "not several" in page.text
    assert "Fill in a record" in auditor.get("/acme/audit/subject/export.json",
                                             status=422).text
    auditor.get("/acme/audit/subject/export.xml", {"record": "1"}, status=404)
    empty = auditor.get("/acme/audit/subject")
    assert empty.html.select("table.audit") == []


@pytest.mark.parametrize("email", ["staff@acme.test", "reader@acme.test"])
def test_access_report_needs_audit_read(testapp, registry, tenant, email):
    console_login(testapp, registry, email)
    testapp.get("/acme/audit/subject", {"user": "1"}, status=403)
    testapp.get("/acme/audit/subject/export.csv", {"user": "1"}, status=403)
    assert audit_events(registry, "audit.subject_report") == []


@pytest.mark.parametrize("typed", [
    "=1+1", " =1+1", "\u00a0=HYPERLINK(\"http://evil.example\")", "\uff1dHYPERLINK(1)",
    "\u3000@SUM(A1)", "\u200b+1", "\t=1", " \uff0b1", "\uff0d1", "\r\n=1",
])
def test_csv_export_defuses_formulas_behind_blanks_and_full_width_signs(
        auditor, registry, typed):
    add_audit_event(registry, "login", at=DAY, outcome="failure", target=typed)
    rows = list(csv.DictReader(io.StringIO(
        auditor.get("/acme/audit/export.csv", {"event": "login"}).text)))
    assert [row["target"] for row in rows] == ["'" + typed]


@pytest.mark.parametrize("typed", ["Jane = Roe", "a+b@example.org", "100", "x-1"])
def test_csv_export_leaves_ordinary_text_alone(auditor, registry, typed):
    add_audit_event(registry, "login", at=DAY, outcome="failure", target=typed)
    rows = list(csv.DictReader(io.StringIO(
        auditor.get("/acme/audit/export.csv", {"event": "login"}).text)))
    assert [row["target"] for row in rows] == [typed]


def test_login_names_are_logged_without_control_characters(testapp, registry, tenant):
    typed = "evil\r\n2024-01-01 login success admin\x1b[2J\u2028\u202egro.live@x\x07"
    testapp.post_json("/api/v1/acme/auth/login", {"email": typed, "password": "wrong-one-1"},
                      status=401)
    [failed] = audit_events(registry, "login")
    assert failed["target"] == "evil2024-01-01 login success admin[2Jgro.live@x"
    assert failed["outcome"] == "failure"
