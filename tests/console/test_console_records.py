"""Records in the console: list, search, pages, forms, rights."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from praxcloud.core import records
from praxcloud.core.models import AuditEvent, Record
from praxcloud.core.scripting import tenant_request
from tests.console.conftest import alert_text, field_error, login


def add_records(registry, names, slug="acme") -> list[int]:
    with tenant_request(registry, slug) as request:
        return [records.create(request.tenant_db, {"name": name}).id for name in names]


def record_count(registry, slug="acme") -> int:
    with tenant_request(registry, slug) as request:
        return request.tenant_db.scalar(select(func.count(Record.id)))


def fill(form, **values):
    for key, value in values.items():
        form[key] = value
    return form


@pytest.fixture
def reader(testapp, tenant):
    login(testapp, "reader@acme.test")
    return testapp


def test_create_then_view_then_list(staff, registry):
    form = fill(staff.get("/acme/records/new").forms["record-form"],
                name="  Ada Lovelace ", email="ada@example.org", phone="+44 20 7946 0958",
                date_of_birth="1985-12-10", notes="First line\nsecond line",
                fields='{"school": "North", "class": "4b"}')
    answer = form.submit(status=303)
    assert answer.location.startswith("http://localhost/acme/records/")
    page = answer.follow()
    assert "Record “Ada Lovelace” created." in page.text
    text = page.html.find("main").get_text(" ", strip=True)
    for expected in ("Ada Lovelace", "ada@example.org", "+44 20 7946 0958", "1985-12-10",
                     "North", "4b", "second line"):
        assert expected in text
    with tenant_request(registry, "acme") as request:
        record = request.tenant_db.scalars(select(Record)).one()
        assert record.name == "Ada Lovelace"
        assert record.date_of_birth == dt.date(1985, 12, 10)
        assert record.fields == {"school": "North", "class": "4b"}
        assert record.notes == "First line\nsecond line"
    listing = staff.get("/acme/records")
    assert [a.get_text() for a in listing.html.select("table.records tbody a")] == [
        "Ada Lovelace"]


INVALID_INPUTS = [
    ({"name": ""}, "name", "Enter the person's name."),
    ({"name": "x" * 201}, "name", "Use at most 200 characters."),
    ({"email": "not an address"}, "email", "Enter an e-mail address like name@example.org."),
    ({"email": "a@b"}, "email", "Enter an e-mail address like name@example.org."),
    ({"phone": "call me maybe"}, "phone",
     "Use digits, spaces and + ( ) - . only, at least 3 characters."),
    ({"date_of_birth": "2023-02-30"}, "date_of_birth", "This date does not exist."),
    ({"date_of_birth": "30.01.2000"}, "date_of_birth",
     "Enter the date as YYYY-MM-DD, for example 1984-03-21."),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth", "A date of birth cannot be in the future."),
    ({"date_of_birth": "0198-05-01"}, "date_of_birth", "Enter a year from 1900 on."),
    ({"fields": "{not json"}, "fields", "This is not valid JSON (line 1, column 2)."),
    ({"fields": "[1, 2]"}, "fields",
     'Write a JSON object, for example {"school": "North", "class": "4b"}.'),
    ({"fields": '{"a": NaN}'}, "fields", "This is not valid JSON."),
    ({"fields": "[" * 100000}, "fields", "This JSON is nested too deeply."),
]


def test_bad_input_keeps_what_was_typed_and_saves_nothing(staff, registry):
    # One app for all cases: each case is a fresh form submitted on its own.
    for bad, field, message in INVALID_INPUTS:
        typed = {"name": "Grace Hopper", "email": "grace@example.org", "phone": "555 0100",
                 "date_of_birth": "1906-12-09", "notes": "Keep this note",
                 "fields": '{"k": "v"}'}
        typed.update(bad)
        answer = fill(staff.get("/acme/records/new").forms["record-form"], **typed).submit(
            status=422)
        assert field_error(answer, field) == message, bad
        assert alert_text(answer) == "Please correct the fields marked below."
        form = answer.forms["record-form"]
        for key, value in typed.items():
            if len(value) < 1000:
                assert form[key].value == value, (bad, key)
    assert record_count(registry) == 0


def test_edit_with_bad_input_changes_nothing(staff, registry):
    (record_id,) = add_records(registry, ["Alan Turing"])
    form = fill(staff.get(f"/acme/records/{record_id}/edit").forms["record-form"],
                name="Alan M. Turing", phone="letters")
    answer = form.submit(status=422)
    assert answer.forms["record-form"]["name"].value == "Alan M. Turing"
    with tenant_request(registry, "acme") as request:
        assert request.tenant_db.get(Record, record_id).name == "Alan Turing"


def test_edit_saves_changes(staff, registry):
    (record_id,) = add_records(registry, ["Alan Turing"])
    page = staff.get(f"/acme/records/{record_id}/edit")
    assert page.forms["record-form"]["name"].value == "Alan Turing"
    answer = fill(page.forms["record-form"], name="Alan M. Turing",
                  date_of_birth="1912-06-23", fields="").submit(status=303)
    assert answer.location == f"http://localhost/acme/records/{record_id}"
    assert "Changes saved." in answer.follow().text
    with tenant_request(registry, "acme") as request:
        record = request.tenant_db.get(Record, record_id)
        assert record.name == "Alan M. Turing"
        assert record.date_of_birth == dt.date(1912, 6, 23)
        assert record.fields == {}


def test_delete_asks_then_deletes(staff, registry):
    (record_id,) = add_records(registry, ["Temporary Person"])
    confirm = staff.get(f"/acme/records/{record_id}/delete")
    assert "Delete this record?" in confirm.text
    assert record_count(registry) == 1
    answer = confirm.forms["delete-form"].submit(status=303)
    assert answer.location == "http://localhost/acme/records"
    assert "Record “Temporary Person” deleted." in answer.follow().text
    assert record_count(registry) == 0
    staff.get(f"/acme/records/{record_id}", status=404)
    with tenant_request(registry, "acme") as request:
        events = list(request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == "record.delete")))
    assert [e.details["record_id"] for e in events] == [record_id]


def test_delete_needs_csrf(staff, registry):
    (record_id,) = add_records(registry, ["Kept Person"])
    staff.post(f"/acme/records/{record_id}/delete", {}, status=400)
    staff.post(f"/acme/records/{record_id}/delete", {"csrf_token": "nope"}, status=400)
    assert record_count(registry) == 1


def test_read_only_user_can_read_but_not_write(reader, registry):
    (record_id,) = add_records(registry, ["Read Only"])
    listing = reader.get("/acme/records")
    assert "New record" not in listing.text
    page = reader.get(f"/acme/records/{record_id}")
    assert "Read Only" in page.text and "Edit" not in page.html.find("main").get_text()
    csrf = page.forms["logout-form"]["csrf_token"].value
    for path in ("/acme/records/new", f"/acme/records/{record_id}/edit",
                 f"/acme/records/{record_id}/delete"):
        denied = reader.get(path, status=403)
        assert "You do not have permission to open this page." in denied.text
    reader.post("/acme/records/new", {"csrf_token": csrf, "name": "Sneaky"}, status=403)
    reader.post(f"/acme/records/{record_id}/edit", {"csrf_token": csrf, "name": "X"},
                status=403)
    reader.post(f"/acme/records/{record_id}/delete", {"csrf_token": csrf}, status=403)
    assert record_count(registry) == 1
    with tenant_request(registry, "acme") as request:
        assert request.tenant_db.get(Record, record_id).name == "Read Only"
        denials = list(request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == "permission.denied")))
    assert len(denials) == 6
    assert {d.details["permission"] for d in denials} == {"records.write"}


def test_pagination_fifty_per_page(staff, registry):
    add_records(registry, [f"Person {i:03d}" for i in range(120)])
    first = staff.get("/acme/records")
    names = [a.get_text() for a in first.html.select("table.records tbody a")]
    assert len(names) == 50 and names[0] == "Person 000" and names[-1] == "Person 049"
    assert "Page 1 of 3" in first.text and "showing 1–50" in first.text
    third = first.click(linkid=None, href="page=2").click(href="page=3")
    names = [a.get_text() for a in third.html.select("table.records tbody a")]
    assert names == [f"Person {i:03d}" for i in range(100, 120)]
    assert "Page 3 of 3" in third.text and third.html.select_one("a[rel=next]") is None


def test_search_by_name_with_pages(staff, registry):
    add_records(registry, [f"Smith {i:02d}" for i in range(60)] + ["Jones", "Blacksmith"])
    page = staff.get("/acme/records?q=smith")
    assert "61 records match “smith”" in page.text
    next_link = page.html.select_one("a[rel=next]")["href"]
    assert "q=smith" in next_link and "page=2" in next_link
    second = staff.get(next_link)
    names = [a.get_text() for a in second.html.select("table.records tbody a")]
    assert len(names) == 11 and "Jones" not in names
    assert second.forms["search-form"]["q"].value == "smith"
    none = staff.get("/acme/records?q=%25")
    assert "No record has a name containing “%”." in none.text


def test_bad_list_parameters_are_clear_errors(staff, registry):
    add_records(registry, ["Someone"])
    for query in ("page=abc", "page=0", "page=-1", "page=%C2%B2", "q=" + "x" * 201):
        answer = staff.get(f"/acme/records?{query}", status=400)
        assert alert_text(answer)
    past_the_end = staff.get("/acme/records?page=99")
    assert "Someone" in past_the_end.text


def test_unknown_or_malformed_record_ids_are_404(staff):
    for path in ("/acme/records/999", "/acme/records/abc", "/acme/records/1e3/edit",
                 "/acme/records/99999999999999999999999", "/acme/records/999999999999999999",
                 "/acme/records/%C2%B2"):
        assert "Page not found" in staff.get(path, status=404).text


def test_records_need_login(testapp, tenant):
    answer = testapp.get("/acme/records/new", status=303)
    assert answer.location == "http://localhost/acme/login?next=%2Facme%2Frecords%2Fnew"


def test_a_session_of_one_tenant_opens_nothing_in_another(staff, make_tenant, registry):
    make_tenant("beta", "Beta School")
    add_records(registry, ["Beta Secret"], slug="beta")
    token = staff.cookies["praxcloud_session"]
    # The cookie is scoped to /acme; even sent to /beta by hand it is unknown there.
    answer = staff.get("/beta/records", headers={"Cookie": f"praxcloud_session={token}"},
                       status=303)
    assert answer.location.startswith("http://localhost/beta/login")


def test_control_characters_are_form_errors_not_500s(staff, registry):
    # PostgreSQL cannot store NUL: the form must refuse it before the database does.
    for field in ("name", "email", "phone", "notes"):
        form = fill(staff.get("/acme/records/new").forms["record-form"], name="Ann")
        form[field] = {"email": "ann\x00@example.org", "phone": "555\x000100"}.get(
            field, "Ann\x00Smith")
        answer = form.submit(status=422)
        assert field_error(answer, field) == (
            "Remove the invisible control characters from this field."), field
    tabbed = fill(staff.get("/acme/records/new").forms["record-form"], name="Ann",
                  notes="line one\r\n\tline two")
    tabbed.submit(status=303)
    answer = staff.get("/acme/records?q=a%00b", status=400)
    assert alert_text(answer) == "The search text contains invisible control characters."
    assert record_count(registry) == 1
