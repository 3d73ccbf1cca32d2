"""The right to be forgotten: one person erased from every table of the tenant at once.

Through the API (permission, step-up, 404 without the plugin), the CLI and
the console, on SQLite and PostgreSQL. After an erasure, no column of any
table of the tenant's database holds the person's address or name.
"""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData, select

from plugins.lockdown.models import Lock
from praxcloud.core.models import AuthSession, Record, User
from praxcloud.testing import PASSWORD, api_login, bearer
from tests.plugins.mfa_totp.conftest import age_sessions

from .conftest import NAME, raw

ANN = "ann.person@example.org"
ANN_NAME = "Ann Person"
TRACES = ("ann.person", "ann person", "annperson")
RECORDS = "/api/v1/acme/records"


@pytest.fixture
def acme(tenant, enable_plugin):
    enable_plugin("acme", NAME, {})
    enable_plugin("acme", "lockdown", {})
    return tenant


def traces(registry, slug: str = "acme") -> list[str]:
    """Every (table, column) whose stored text names Ann, read past the ORM."""
    with registry.tenancy.platform_session() as platform_db:
        engine = registry.tenancy.engine_for(registry.tenancy.find(platform_db, slug))
    found = []
    with engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        assert {"users", "records", "audit_events", "lockdown_locks"} <= set(metadata.tables)
        for table in metadata.tables.values():
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is not None and any(t in str(value).lower() for t in TRACES):
                        found.append(f"{table.name}.{column}")
    return sorted(set(found))


@pytest.fixture
def ann(acme, make_user, testapp, tenant_request):
    """Ann: a user account (logged in, a lock), two records, and her traces in the trail."""
    make_user("acme", ANN, groups=("staff",))
    with tenant_request("acme") as request:
        db = request.tenant_db
        user = db.scalar(select(User).where(User.email == ANN))
        user.display_name = ANN_NAME
        db.add(Lock(user_id=user.id, reason="escalation", details={"method": "GET"}))
    api_login(testapp, "acme", ANN)
    testapp.post_json("/api/v1/acme/auth/login", {"email": "ANN.person@example.org",
                                                  "password": "wrong password"}, status=401)
    admin = bearer(api_login(testapp, "acme", "admin@acme.test"))
    first = testapp.post_json(RECORDS, {"name": ANN_NAME, "email": ANN, "phone": "+64 1",
                                        "notes": "Ann Person's allergy"}, headers=admin).json
    second = testapp.post_json(RECORDS, {"name": "A. Person", "email": "Ann.Person@Example.org"},
                               headers=admin).json
    other = testapp.post_json(RECORDS, {"name": "Bob Other", "email": "bob@example.org"},
                              headers=admin).json
    testapp.get(f"{RECORDS}/{first['id']}", headers=admin)
    testapp.get(RECORDS, {"q": ANN_NAME}, headers=admin)
    assert traces(testapp.app.registry) != []
    return {"admin": admin, "records": [first["id"], second["id"]], "other": other["id"]}


def test_erasing_by_record_leaves_no_trace_in_any_table(ann, testapp, registry):
    assert "lockdown_locks.user_id" not in traces(registry)  # sanity: ids are not text
    answer = testapp.post(f"{RECORDS}/{ann['records'][0]}/erase", headers=ann["admin"]).json
    counts = answer["counts"]
    assert (counts["records"], counts["users"]) == (2, 1)
    assert counts["sessions"] >= 1 and counts["audit_events"] >= 4
    assert counts["plugin_rows"] == {"lockdown_locks": 1}
    assert answer["mode"] == "record" and answer["by"] == "api"
    assert ANN not in str(answer).lower() and "ann" not in str(answer).lower()
    assert traces(registry) == []
    # Bob and the others are untouched, the trail still has its events.
    assert testapp.get(f"{RECORDS}/{ann['other']}", headers=ann["admin"]).json["name"] == \
        "Bob Other"
    [erased] = raw(registry, "acme", "SELECT details, actor_id FROM audit_events "
                                     "WHERE event = 'anonymiser.erase'")
    assert "ann" not in str(erased["details"]).lower()
    [receipt] = raw(registry, "acme", "SELECT * FROM anonymiser_receipts")
    assert receipt["by_user_id"] == erased["actor_id"] and receipt["mode"] == "record"
    # Once gone, gone: the same record is not found again.
    testapp.post(f"{RECORDS}/{ann['records'][0]}/erase", headers=ann["admin"], status=404)


def test_erasing_by_email_ends_sessions_and_plugin_rows(ann, testapp, registry,
                                                        tenant_request):
    with tenant_request("acme") as request:
        user_id = request.tenant_db.scalar(select(User.id).where(User.email == ANN))
    answer = testapp.post_json("/api/v1/acme/anonymiser/erase", {"email": " Ann.Person@"
                                                                 "EXAMPLE.org "},
                               headers=ann["admin"]).json
    assert (answer["mode"], answer["counts"]["records"], answer["counts"]["users"]) == (
        "email", 2, 1)
    assert traces(registry) == []
    with tenant_request("acme") as request:
        db = request.tenant_db
        assert db.scalar(select(AuthSession).where(AuthSession.user_id == user_id)) is None
        assert db.scalar(select(Lock).where(Lock.user_id == user_id)) is None
        assert db.scalar(select(Record).where(Record.id.in_(ann["records"]))) is None
    testapp.post_json("/api/v1/acme/auth/login", {"email": ANN, "password": PASSWORD},
                      status=401)


def test_erasing_needs_the_permission_and_a_recent_login(acme, make_user, testapp, registry,
                                                          tenant_request, make_tenant):
    make_user("acme", ANN, groups=("admin",))
    admin = bearer(api_login(testapp, "acme", "admin@acme.test"))
    staff = bearer(api_login(testapp, "acme", "staff@acme.test"))
    record = testapp.post_json(RECORDS, {"name": ANN_NAME, "email": ANN}, headers=admin).json
    url = f"{RECORDS}/{record['id']}/erase"
    testapp.post(url, headers=staff, status=403)
    testapp.post_json("/api/v1/acme/anonymiser/erase", {"email": ANN}, headers=staff,
                      status=403)
    # Erasing oneself is refused; nothing is erased.
    me = bearer(api_login(testapp, "acme", ANN))
    assert testapp.post(url, headers=me, status=409).json["error"]["code"] == \
        "cannot_erase_self"
    # Step-up: a login older than ten minutes must confirm the password first.
    age_sessions(registry)
    assert testapp.post(url, headers=admin, status=403).json["error"]["code"] == \
        "reauth_required"
    testapp.post_json("/api/v1/acme/auth/reauth", {"password": PASSWORD}, headers=admin)
    assert testapp.post(url, headers=admin).json["counts"]["records"] == 1
    testapp.post(f"{RECORDS}/999999/erase", headers=admin, status=404)
    # A tenant without the plugin has no such endpoint, for its admin either.
    make_tenant("beta")
    make_user("beta", "admin@beta.test", groups=("admin",))
    beta = bearer(api_login(testapp, "beta", "admin@beta.test"))
    testapp.post("/api/v1/beta/records/1/erase", headers=beta, status=404)
    testapp.get("/api/v1/beta/anonymiser/runs", headers=beta, status=404)


def test_the_cli_erases_and_prints_a_receipt_without_personal_data(ann, cli, registry):
    result = cli.ok("erase", "--tenant", "acme", "--email", ANN)
    assert result.output.startswith("Receipt ") and "by cli (by email)" in result.output
    assert "  records: 2\n" in result.output and "  users: 1\n" in result.output
    assert "lockdown_locks: 1" in result.output
    assert "ann" not in result.output.lower()
    assert traces(registry) == []
    assert "no record or user has that e-mail address" in cli.fails(
        "erase", "--tenant", "acme", "--email", ANN).output
    assert "no record has that id" in cli.fails("erase", "--tenant", "acme",
                                                 "--record", "424242").output
    # The tenant's only administrator stays: someone must be able to manage users.
    assert "last active user who may manage users" in cli.fails(
        "erase", "--tenant", "acme", "--email", "admin@acme.test").output


def test_the_endpoints_are_in_the_openapi_document_and_answer_it(acme, testapp):
    document = testapp.get("/api/v1/openapi.json").json
    assert document["paths"]["/api/v1/{tenant}/records/{id}/erase"]["post"][
        "operationId"] == "anonymiserEraseRecord"
    assert {"/api/v1/{tenant}/anonymiser/erase", "/api/v1/{tenant}/anonymiser/runs",
            "/api/v1/{tenant}/anonymiser/dry-run"} <= set(document["paths"])
    admin = bearer(api_login(testapp, "acme", "admin@acme.test"))
    runs = testapp.get("/api/v1/acme/anonymiser/runs", headers=admin).json
    assert runs["dry_run_seen"] is False and runs["runs"] == []
    report = testapp.post("/api/v1/acme/anonymiser/dry-run", headers=admin).json
    assert report["kind"] == "dry_run" and report["records"] == 0
    runs = testapp.get("/api/v1/acme/anonymiser/runs", headers=admin).json
    assert runs["dry_run_seen"] is True and [run["id"] for run in runs["runs"]] == [
        report["id"]]
