"""The audit trail page and its CSV and JSON exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from praxcloud.testing import PASSWORD
from tests.console.admin_support import add_audit_event, audit_events, console_login, field_error

DAY = dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def trail(registry, tenant):
    """A known trail: fixture user creation happens 'now'; these are in March 2024."""
    add_audit_event(registry, "login", at=DAY, actor="staff@acme.test", target="staff@acme.test")
    add_audit_event(registry, "login", at=DAY + dt.timedelta(days=1), outcome="failure",
                    target="=HYPERLINK(\"http://evil.example\")",
                    details={"reason": "invalid_credentials"})
    add_audit_event(registry, "group.update", at=DAY + dt.timedelta(days=2),
                    actor="admin@acme.test", target="staff",
                    details={"permissions_added": ["audit.read"]})
    add_audit_event(registry, "logout", at=DAY + dt.timedelta(days=3, hours=11, minutes=59),
                    actor="staff@acme.test")


@pytest.fixture
def auditor(testapp, registry, trail):
    console_login(testapp, registry, "admin@acme.test")
    return testapp


def shown_events(page) -> list[tuple[str, str]]:
    return [(row.select("td")[1].get_text(strip=True), row.select("td")[0].get_text(strip=True))
            for row in page.html.select("table.audit tbody tr")]


def test_trail_newest_first(auditor):
    page = auditor.get("/acme/audit")
    events = shown_events(page)
    # The three user.create events of the fixture are newest.
    assert [name for name, _ in events] == ["user.create"] * 3 + [
        "logout", "group.update", "login", "login"]
    assert events[3][1] == "2024-03-13 23:59:00"
    assert "permissions_added" in page.text and "audit.read" in page.text
    options = [value for value, _, _ in page.forms["audit-filters"]["event"].options]
    assert options == ["", "group.update", "login", "logout", "user.create"]


@pytest.mark.parametrize("query, expected", [
    ({"event": "login"}, ["login", "login"]),
    ({"outcome": "failure"}, ["login"]),
    ({"actor": "STAFF@"}, ["logout", "login"]),
    ({"actor": "%"}, []),
    ({"from": "2024-03-11", "to": "2024-03-13"}, ["logout", "group.update", "login"]),
    ({"to": "2024-03-10"}, ["login"]),
    ({"from": "2024-03-12", "event": "logout", "actor": "staff"}, ["logout"]),
])
def test_filters(auditor, query, expected):
    page = auditor.get("/acme/audit", query)
    assert [name for name, _ in shown_events(page)] == expected
    form = page.forms["audit-filters"]
    for key, value in query.items():
        assert form[key].value == value


@pytest.mark.parametrize("query, field, message", [
    ({"from": "10/03/2024"}, "from", "like 2024-05-31"),
    ({"to": "2024-02-30"}, "to", "like 2024-05-31"),
    ({"from": "2024-03-12", "to": "2024-03-11"}, "to", "before the start date"),
    ({"outcome": "maybe"}, "outcome", "success or failure"),
    ({"actor": "a" * 300}, "actor", "at most 254"),
])
def test_bad_filters_are_form_messages(auditor, query, field, message):
    page = auditor.get("/acme/audit", query, status=422)
    assert message in field_error(page, field)
    assert not page.html.select("table.audit")
    # The export refuses the same way, with the same page.
    page = auditor.get("/acme/audit/export.csv", query, status=422)
    assert message in field_error(page, field)


def test_pagination_keeps_filters(auditor, registry):
    for minute in range(60):
        add_audit_event(registry, "record.delete", at=DAY + dt.timedelta(minutes=minute),
                        actor="staff@acme.test")
    page = auditor.get("/acme/audit", {"event": "record.delete"})
    assert len(shown_events(page)) == 50 and "Page 1 of 2" in page.text
    older = page.click(href="page=2")
    assert "event=record.delete" in older.request.url
    assert len(shown_events(older)) == 10
    assert shown_events(older)[-1][1] == "2024-03-10 12:00:00"
    assert "Page 2 of 2" in older.text


def test_csv_export(auditor, registry):
    answer = auditor.get("/acme/audit/export.csv", {"event": "login"})
    assert answer.content_type == "text/csv"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="audit-acme-')
    assert answer.headers["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert list(rows[0]) == ["id", "at", "event", "outcome", "actor", "actor_id", "ip",
                             "target", "details"]
    assert [(row["event"], row["outcome"]) for row in rows] == [
        ("login", "failure"), ("login", "success")]
    assert rows[1]["at"] == "2024-03-10T12:00:00Z"
    assert json.loads(rows[0]["details"]) == {"reason": "invalid_credentials"}
    # A typed "formula" is defused for spreadsheet programs.
    assert rows[0]["target"] == "'=HYPERLINK(\"http://evil.example\")"
    exported = audit_events(registry, "audit.export")[-1]
    assert exported["actor"] == "admin@acme.test"
    assert exported["details"] == {"format": "csv", "rows": 2, "filters": {"event": "login"}}


def test_json_export(auditor):
    answer = auditor.get("/acme/audit/export.json",
                         {"from": "2024-03-11", "to": "2024-03-12", "outcome": "success"})
    assert answer.content_type == "application/json"
    assert answer.headers["Content-Disposition"].endswith('.json"')
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    rows = answer.json
    assert [row["event"] for row in rows] == ["group.update"]
    assert rows[0] == {**rows[0], "actor": "admin@acme.test", "target": "staff",
                       "details": {"permissions_added": ["audit.read"]},
                       "at": "2024-03-12T12:00:00Z", "outcome": "success"}
    assert set(rows[0]) == {"id", "at", "event", "outcome", "actor", "actor_id", "ip",
                            "target", "details"}


def test_export_has_no_secrets(auditor, testapp):
    # A real login and a failed one go through the trail; neither password shows up.
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": PASSWORD})
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": "wrong-password-1"}, status=401)
    text = auditor.get("/acme/audit/export.json").text
    assert PASSWORD not in text and "wrong-password-1" not in text
    assert "token" not in text.lower()


def test_unknown_export_format_is_404(auditor):
    auditor.get("/acme/audit/export.xml", status=404)
    auditor.get("/acme/audit/export.", status=404)


@pytest.mark.parametrize("email", ["staff@acme.test", "reader@acme.test"])
def test_non_auditors_get_403_audited(testapp, registry, trail, email):
    console_login(testapp, registry, email)
    testapp.get("/acme/audit", status=403)
    testapp.get("/acme/audit/export.csv", status=403)
    denied = audit_events(registry, "permission.denied")
    assert [(d["actor"], d["details"]["permission"]) for d in denied] == [
        (email, "audit.read"), (email, "audit.read")]


def test_not_logged_in_is_sent_to_login(testapp, trail):
    assert "/acme/login" in testapp.get("/acme/audit", status=303).location
    assert "/acme/login" in testapp.get("/acme/audit/export.json", status=303).location
