"""Records through the API (C3, C7): CRUD, search, pagination and permissions."""

from __future__ import annotations

import re

from praxcloud.core.models import AuditEvent, Record
from tests.api.conftest import add_records, audit_events, count, login

R = "/api/v1/acme/records"


def test_create_read_update_delete(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    body = {"name": "  Jane Roe ", "email": "jane@example.org", "phone": "+41 44 123 45 67",
            "date_of_birth": "1984-02-29", "notes": "allergic to penicillin",
            "fields": {"room": "12b", "floor": 2, "wheelchair": True, "ward": None}}
    created = testapp.post_json(R, body, headers=headers, status=201).json
    assert created["name"] == "Jane Roe"
    assert created["date_of_birth"] == "1984-02-29"
    assert created["fields"] == body["fields"]
    assert created["created_at"] == created["updated_at"] == created["last_activity_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z", created["created_at"])

    url = f"{R}/{created['id']}"
    assert testapp.get(url, headers=headers).json == created

    changed = testapp.patch_json(url, {"phone": None, "notes": "", "name": "Jane Q. Roe"},
                                 headers=headers).json
    assert changed["phone"] is None and changed["notes"] == "" and changed["name"] == "Jane Q. Roe"
    assert changed["email"] == "jane@example.org"  # untouched fields stay
    assert changed["updated_at"] > created["updated_at"]
    assert testapp.get(url, headers=headers).json == changed

    testapp.delete(url, headers=headers, status=204)
    testapp.get(url, headers=headers, status=404)
    testapp.delete(url, headers=headers, status=404)
    testapp.patch_json(url, {"name": "x"}, headers=headers, status=404)
    assert count(registry, "acme", Record) == 0
    deleted = audit_events(registry, "acme", "record.delete")
    assert [e.details for e in deleted] == [{"record_id": created["id"]}]
    assert deleted[0].actor == "staff@acme.test"


def test_blank_name_is_refused_on_create_and_update(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    for body in ({"name": "   "}, {"email": "a@b.c"}, {}):
        answer = testapp.post_json(R, body, headers=headers, status=422).json
        assert answer["error"]["fields"]["name"]
    [record_id] = add_records(registry, "acme", ["Kept"])
    answer = testapp.patch_json(f"{R}/{record_id}", {"name": " \t "}, headers=headers,
                                status=422).json
    assert answer["error"]["fields"] == {"name": "enter the person's name"}
    assert testapp.get(f"{R}/{record_id}", headers=headers).json["name"] == "Kept"
    assert count(registry, "acme", Record) == 1


def test_search_is_case_insensitive_and_takes_wildcards_literally(testapp, tenant, registry):
    add_records(registry, "acme", ["Anna Müller", "ANNABEL Smith", "Hanna Berg", "Bob 100% Sure",
                                   "Bob 100 Sure", "snake_case", "snakeXcase", "back\\slash"])
    headers = login(testapp, "acme", "reader@acme.test")

    def names(q):
        return sorted(r["name"] for r in testapp.get(R, {"q": q}, headers=headers).json["items"])

    assert names("anna") == ["ANNABEL Smith", "Anna Müller", "Hanna Berg"]
    assert names("ANNA") == names("anna")
    assert names("100%") == ["Bob 100% Sure"]
    assert names("%") == ["Bob 100% Sure"]
    assert names("_") == ["snake_case"]
    assert names("e_c") == ["snake_case"]
    assert names("\\") == ["back\\slash"]
    assert names("nobody") == []
    assert len(names("")) == 8
    assert names("' OR 1=1 --") == []


def test_pagination_and_its_bounds(testapp, tenant, registry):
    add_records(registry, "acme", [f"Person {i:02d}" for i in range(7)])
    headers = login(testapp, "acme", "reader@acme.test")
    seen = []
    for page in (1, 2, 3):
        body = testapp.get(R, {"page": page, "per_page": 3}, headers=headers).json
        assert body["total"] == 7 and body["page"] == page and body["per_page"] == 3
        seen += [r["name"] for r in body["items"]]
    assert seen == [f"Person {i:02d}" for i in range(7)]
    empty = testapp.get(R, {"page": 4, "per_page": 3}, headers=headers).json
    assert empty["items"] == [] and empty["total"] == 7
    assert testapp.get(R, headers=headers).json["per_page"] == 50
    assert testapp.get(R, {"per_page": 200}, headers=headers).json["per_page"] == 200
    for params in ({"page": 0}, {"page": -1}, {"page": "x"}, {"page": "1.5"}, {"per_page": 0},
                   {"per_page": 201}, {"per_page": "١٠"}, {"page": "1_0"}, {"page": " 2"},
                   {"page": "9" * 40}, {"q": "x" * 201}, {"q": "a\x00b"}):
        answer = testapp.get(R, params, headers=headers, status=400).json
        assert answer["error"]["code"] == "invalid_parameter"
        assert set(answer["error"]["fields"]) == set(params)


def test_read_only_user_reads_but_cannot_write(testapp, tenant, registry):
    [record_id] = add_records(registry, "acme", ["Read Me"])
    headers = login(testapp, "acme", "reader@acme.test")
    assert testapp.get(R, headers=headers).json["total"] == 1
    assert testapp.get(f"{R}/{record_id}", headers=headers).json["name"] == "Read Me"
    before = len(audit_events(registry, "acme", "permission.denied"))
    testapp.post_json(R, {"name": "Nope"}, headers=headers, status=403)
    testapp.patch_json(f"{R}/{record_id}", {"name": "Nope"}, headers=headers, status=403)
    testapp.delete(f"{R}/{record_id}", headers=headers, status=403)
    assert count(registry, "acme", Record) == 1
    assert testapp.get(f"{R}/{record_id}", headers=headers).json["name"] == "Read Me"
    denied = audit_events(registry, "acme", "permission.denied")[before:]
    assert [(e.outcome, e.details["method"], e.details["permission"]) for e in denied] == [
        ("failure", "POST", "records.write"), ("failure", "PATCH", "records.write"),
        ("failure", "DELETE", "records.write")]
    assert {e.actor for e in denied} == {"reader@acme.test"}


def test_no_token_is_401_for_every_records_route(testapp, tenant, registry):
    [record_id] = add_records(registry, "acme", ["Secret"])
    for method, url in (("GET", R), ("POST", R), ("GET", f"{R}/{record_id}"),
                        ("PATCH", f"{R}/{record_id}"), ("DELETE", f"{R}/{record_id}")):
        answer = testapp.request(url, method=method, status=401)
        assert answer.json["error"]["code"] == "unauthorized"
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert count(registry, "acme", Record) == 1


def test_staff_cannot_do_admin_things(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    admin_id = 1
    testapp.get("/api/v1/acme/users", headers=headers, status=403)
    testapp.get(f"/api/v1/acme/users/{admin_id}", headers=headers, status=403)
    testapp.post_json("/api/v1/acme/users", {"email": "x@acme.test", "groups": ["admin"]},
                      headers=headers, status=403)
    testapp.patch_json("/api/v1/acme/users/2", {"groups": ["admin"]}, headers=headers,
                       status=403)
    testapp.delete(f"/api/v1/acme/users/{admin_id}/sessions", headers=headers, status=403)
    me = testapp.get("/api/v1/acme/me", headers=headers).json
    assert me["groups"] == ["staff"]
    assert count(registry, "acme", AuditEvent, AuditEvent.event == "permission.denied") == 5
