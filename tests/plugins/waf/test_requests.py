"""The WAF as clients meet it: ordinary records pass, attacks get 403 with an incident id,
repeat offenders are blacklisted for every web process, administrators see and undo it.

Written against praxcloud.plugin and praxcloud.testing only. The shared state runs on the
fake clock, so ten minutes pass when the test says so.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from praxcloud.testing import api_login, bearer

NAME = "waf"
ATTACKER = "203.0.113.66"
OTHER = "198.51.100.7"
BENIGN_RECORDS = [
    {"name": "Siobhán O'Brien", "email": "s.obrien@example.ie", "phone": "+353 (0)1 234-5678",
     "notes": "Lives in 's-Hertogenbosch; prefers calls after 5 p.m. -- not before!"},
    {"name": "Jan van 't Hek", "email": "jan+care@example.nl", "phone": "06-12345678",
     "notes": "Wrote: if (x < 3) { call(); } in the IT class; asked to SELECT a date from the "
              "dropdown and to drop by tomorrow at 10:30."},
    {"name": "Αλέξανδρος Παπαδόπουλος", "email": "alex@example.gr", "phone": "210 123 4567",
     "notes": "Ελληνικά: ραντεβού την Τρίτη. Путь: C:\\Users\\alex\\Documents"},
    {"name": "王小明", "email": "xm.wang@example.cn", "phone": "+86 10 1234 5678",
     "notes": "下周二复诊。Mother's maiden name & address updated; 50% discount (1=1 sessions)."},
    {"name": "محمد العلي", "email": "m.ali@example.sa", "phone": "+966 11 123 4567",
     "notes": "Note: \"urgent\" - see https://example.org/path?q=1&x=2 and e-mail a@b.c"},
]


@pytest.fixture
def guarded(make_tenant, make_user, fake_clock):
    def make(**settings):
        make_tenant("acme", "Acme Care", plugins={NAME: settings})
        make_user("acme", "admin@acme.test", groups=("admin",))
        make_user("acme", "staff@acme.test", groups=("staff",))
        return fake_clock
    return make


def at(address: str) -> dict:
    return {"REMOTE_ADDR": address}


def test_ordinary_records_pass(testapp, guarded):
    guarded()
    auth = bearer(api_login(testapp, "acme", "staff@acme.test"))
    for record in BENIGN_RECORDS:
        created = testapp.post_json("/api/v1/acme/records", record, headers=auth,
                                    status=201).json
        assert created["name"] == record["name"]
    found = testapp.get("/api/v1/acme/records", {"q": "O'Brien"}, headers=auth).json
    assert found["items"][0]["name"] == "Siobhán O'Brien"


@pytest.mark.parametrize(("where", "request_kwargs"), [
    ("query", {"params": {"q": "1' UNION SELECT password FROM users--"}}),
    ("json", {"json": {"name": "<script>alert(document.cookie)</script>"}}),
    ("header", {"headers": {"User-Agent": "() { :; }; /bin/bash -c 'cat /etc/passwd'"}}),
    ("path", {"path": "/api/v1/acme/records/..%2f..%2f..%2fetc%2fpasswd"}),
])
def test_attacks_are_refused_with_an_incident_id(testapp, guarded, tenant_request, where,
                                                  request_kwargs):
    guarded()
    auth = bearer(api_login(testapp, "acme", "staff@acme.test"))
    path = request_kwargs.get("path", "/api/v1/acme/records")
    headers = {**auth, **request_kwargs.get("headers", {})}
    if "json" in request_kwargs:
        answer = testapp.post_json(path, request_kwargs["json"], headers=headers, status=403)
    else:
        answer = testapp.get(path, request_kwargs.get("params"), headers=headers, status=403)
    error = answer.json["error"]
    assert error["code"] == "request_blocked"
    assert error["incident"] in error["message"]
    with tenant_request("acme") as request:
        rows = request.tenant_db.execute(text(
            "SELECT incident, matches FROM waf_incidents")).all()
        events = request.tenant_db.execute(text(
            "SELECT details FROM audit_events WHERE event = 'waf.blocked'")).all()
    assert [row[0] for row in rows] == [error["incident"]]
    matches = str(rows[0][1])
    assert where in matches
    for secret in ("password", "cookie", "passwd"):
        assert secret not in matches  # the excerpt is the value's shape only
    assert len(events) == 1 and error["incident"] in str(events[0][0])


def test_repeat_offenders_are_blacklisted_then_released(testapp, guarded, console_client):
    clock = guarded()
    attack = {"q": "' OR '1'='1"}
    for _ in range(3):
        testapp.get("/acme/login", attack, extra_environ=at(ATTACKER), status=403)
        clock.advance(60)
    blocked = testapp.get("/acme/login", extra_environ=at(ATTACKER), status=403)
    assert "blocked for a while" in blocked.html.get_text()
    api = testapp.get("/api/v1/acme/records", extra_environ=at(ATTACKER), status=403).json
    assert api["error"]["code"] == "address_blocked"
    testapp.get("/acme/login", extra_environ=at(OTHER), status=200)

    admin = console_client("acme", "admin@acme.test")
    page = admin.get("/acme/waf")
    assert ATTACKER in page.html.find(id="blacklist").get_text()
    incidents = page.html.find(id="incidents").get_text(" ", strip=True)
    assert incidents.count("GET /acme/login") == 3 and "blocked the address" in incidents
    page.forms["remove-1"].submit(status=303)
    testapp.get("/acme/login", extra_environ=at(ATTACKER), status=200)
    # Blacklisting wears off by itself too.
    form = admin.get("/acme/waf").forms["blacklist-form"]
    form["address"], form["hours"] = OTHER, "1"
    form.submit(status=303)
    testapp.get("/acme/login", extra_environ=at(OTHER), status=403)
    clock.advance(3601)
    testapp.get("/acme/login", extra_environ=at(OTHER), status=200)


def test_strikes_outside_the_window_do_not_add_up(testapp, guarded):
    clock = guarded()
    for _ in range(3):
        testapp.get("/acme/login", {"q": "<svg onload=alert(1)>"}, extra_environ=at(ATTACKER),
                    status=403)
        clock.advance(601)
    testapp.get("/acme/login", extra_environ=at(ATTACKER), status=200)


def test_false_positives_are_answered_by_allowing_a_rule_or_a_path(testapp, guarded):
    guarded(allow_rules=["X3"], allow_paths=["/api/v1/acme/records/import"])
    auth = bearer(api_login(testapp, "acme", "staff@acme.test"))
    note = {"name": "Pupil", "notes": "He wrote <script> in his web design homework."}
    testapp.post_json("/api/v1/acme/records", note, headers=auth, status=201)
    testapp.get("/api/v1/acme/records", {"q": "<img src=x onerror=alert(1)>"}, headers=auth,
                status=403)  # X3 is allowed; the event handler (X2) still counts
    testapp.get("/api/v1/acme/records/import", {"q": "' OR '1'='1"}, headers=auth,
                status=404)  # not inspected: the core answers


def test_the_admin_api(testapp, guarded):
    guarded()
    testapp.get("/acme/login", {"q": "; cat /etc/passwd"}, extra_environ=at(ATTACKER),
                status=403)
    auth = bearer(api_login(testapp, "acme", "admin@acme.test"))
    incidents = testapp.get("/api/v1/acme/waf/incidents", headers=auth).json["incidents"]
    assert [(row["ip"], row["method"], row["path"]) for row in incidents] == [
        (ATTACKER, "GET", "/acme/login")]
    assert any(rule.startswith("C") for rule in incidents[0]["matches"][0]["rules"])
    listed = testapp.post_json("/api/v1/acme/waf/blacklist", {"address": OTHER, "hours": 2},
                               headers=auth).json["blacklist"]
    assert [row["address"] for row in listed] == [OTHER]
    testapp.post_json("/api/v1/acme/waf/blacklist", {"address": "nope"}, headers=auth,
                      status=422)
    testapp.post_json("/api/v1/acme/waf/blacklist/remove", {"address": OTHER}, headers=auth,
                      status=204)
    testapp.post_json("/api/v1/acme/waf/blacklist/remove", {"address": OTHER}, headers=auth,
                      status=404)
    staff = bearer(api_login(testapp, "acme", "staff@acme.test"))
    testapp.get("/api/v1/acme/waf/incidents", headers=staff, status=403)


def test_passwords_are_not_inspected(testapp, guarded):
    """A password may hold anything (it is hashed, never queried): a login with one that
    reads like SQL is a login, not an attack."""
    guarded()
    answer = testapp.post_json("/api/v1/acme/auth/login",
                               {"email": "staff@acme.test", "password": "x' OR '1'='1"},
                               status=401)
    assert answer.json["error"]["code"] == "invalid_credentials"
