"""field_encryption with the anonymiser (issue 13): anonymised rows hold no trace of
their old values, encrypted or indexed; an erased person leaves none either."""

from __future__ import annotations

import pytest

from .conftest import execute, raw

OLD = "2020-01-01 00:00:00"


@pytest.fixture
def settings(settings):
    return {**settings, "praxcloud.celery_eager": "true"}


def test_anonymising_encrypted_records(registry, encrypted, enable_plugin, api_client,
                                       tenant_request):
    from plugins.anonymiser import policy

    encrypted()
    enable_plugin("acme", "anonymiser", {"retention_days": 30, "phone_strategy": "mask",
                                         "replacement": "[gone]"})
    execute(registry, "acme", "UPDATE records SET last_activity_at = :old", old=OLD)
    staff = api_client("acme", "staff@acme.test")
    assert staff.get("/api/v1/acme/records", {"q": "anna"}).json["total"] == 1
    with tenant_request("acme") as request:
        policy.dry_run(request, "test")
        assert policy.run(request, "test", batch_size=1).records == 2
    stored = raw(registry, "acme", "SELECT name, name_tokens, email, phone, notes, "
                                   "date_of_birth, CAST(fields AS TEXT) AS fields, "
                                   "anonymised_at FROM records ORDER BY id")
    for row in stored:
        assert row["anonymised_at"] is not None and row["email"] is None
        assert row["name_tokens"] is None
        assert row["name"].startswith("pxf1:") and row["phone"].startswith("pxf1:")
        # Emptied and generalised values are encrypted as every value of their field.
        assert row["fields"].startswith('"pxf1:')
    assert stored[0]["date_of_birth"].startswith("pxf1:") and stored[1]["date_of_birth"] is None
    # Not found by the old name's words; read back as written.
    assert staff.get("/api/v1/acme/records", {"q": "anna"}).json["total"] == 0
    items = staff.get("/api/v1/acme/records").json["items"]
    assert {item["name"] for item in items} == {"[gone]"}
    assert all(item["phone"] and "1234" not in item["phone"] for item in items)
    # The date of birth keeps only its year; the free fields are emptied.
    assert sorted((item["date_of_birth"] or "", item["fields"] == {}) for item in items) == [
        ("", True), ("1984-01-01", True)]


def test_erasing_a_person_with_encrypted_fields(registry, encrypted, enable_plugin,
                                                 tenant_request):
    from plugins.anonymiser import erasure

    encrypted()
    enable_plugin("acme", "anonymiser", {"retention_days": 30})
    with tenant_request("acme") as request:
        receipt = erasure.erase(request, email="anna@example.org", by="test")
        assert receipt.counts["records"] == 1
    names = [row["name"] for row in raw(registry, "acme", "SELECT name FROM records")]
    assert len(names) == 1
    with tenant_request("acme") as request:
        from praxcloud.plugin import Record

        assert [r.name for r in request.tenant_db.query(Record)] == ["Bram O'Brien"]
