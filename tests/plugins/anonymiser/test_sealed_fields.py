"""With field encryption: the sealed_fields test codec seals records' e-mail, phone and notes.

Cleared fields are NULL; a replacement or a mask written on a sealed field
goes through the ORM, so the database holds it sealed (never plain text
where ciphertext belongs) and it reads back as written. Erasure by e-mail
finds records whose sealed address cannot be compared in SQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plugins.anonymiser import erasure, policy
from praxcloud.core import plugins
from praxcloud.core.models import Record
from tests.plugin_host.conftest import entry_point
from tests.plugin_host.fixtures.sealed_fields import PREFIX

from .conftest import NAME, add_records, person, raw, stored_records


@pytest.fixture(autouse=True)
def _sealed_fields_installed(monkeypatch):
    # Autouse: in place before the app is built, next to the installed plugins.
    installed = plugins.discover_entry_points()
    monkeypatch.setattr(plugins, "discover_entry_points",
                        lambda: [*installed, entry_point("sealed_fields")])


@pytest.fixture
def acme(make_tenant):
    return make_tenant("acme", plugins={
        "sealed_fields": {},
        NAME: {"retention_days": 365, "phone_strategy": "mask", "notes_strategy": "replace",
               "email_strategy": "null", "replacement": "[gone]"}})


def test_sealed_fields_are_cleared_or_written_sealed(acme, registry, tenant_request):
    ids = add_records(tenant_request, "acme", [person(n) for n in range(4)])
    stored = stored_records(registry)
    assert all(row["phone"].startswith(PREFIX) for row in stored.values())
    with tenant_request("acme") as request:
        assert policy.plan_for(request.tenant_db, policy.tenant_settings(request)) \
            .row_by_row.keys() == {"phone", "notes"}
        policy.dry_run(request, "test")
        assert policy.run(request, "test", batch_size=3).records == 4
    for row in stored_records(registry).values():
        assert row["email"] is None and row["anonymised_at"] is not None
        assert row["phone"].startswith(PREFIX) and row["notes"].startswith(PREFIX)
        assert "+**" not in row["phone"] and row["name"] == "[gone]"
    with tenant_request("acme") as request:
        for record in request.tenant_db.scalars(select(Record).where(Record.id.in_(ids))):
            assert (record.phone, record.notes, record.email) == ("+** ** *** ****", "[gone]",
                                                                  None)


def test_erasure_by_email_finds_sealed_addresses(acme, registry, tenant_request):
    rows = [person(1), {**person(2), "email": " PERSON001@Example.org"}, person(3)]
    first, second, third = add_records(tenant_request, "acme", rows)
    with tenant_request("acme") as request:
        assert erasure.records_with_email(request.tenant_db, "person001@example.org") == [
            first, second]
        receipt = erasure.erase(request, email="person001@example.org", by="test")
        assert receipt.counts["records"] == 2 and receipt.counts["users"] == 0
    assert [row["id"] for row in raw(registry, "acme", "SELECT id FROM records")] == [third]
