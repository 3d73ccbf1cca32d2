"""Backup, wipe, restore: every row comes back, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import delete, update

from plugins.backup import databases, service
from praxcloud.plugin import AuditEvent, Record

from .conftest import OWN_TABLES, add_records, audit_rows, events, snapshot_of


def run(tenant_request, slug="acme") -> dict:
    with tenant_request(slug) as request:
        return service.run_backup(request)


def wipe(tenant_request, slug="acme") -> None:
    with tenant_request(slug) as request:
        db = request.tenant_db
        db.execute(delete(Record).where(Record.id % 2 == 0))
        db.execute(update(Record).values(notes="changed"))
        db.execute(delete(AuditEvent).where(AuditEvent.id < 3))
    add_records(tenant_request, slug, 5, prefix="Later")


def test_backup_wipe_restore_gives_every_row_back(acme, tenant_request, target_dir, backend,
                                                  monkeypatch):
    monkeypatch.setattr(databases, "CHUNK", 4096)  # the streams in many pieces
    before, last_audit = snapshot_of(tenant_request, "acme")
    before_audit = audit_rows(tenant_request, "acme", last_audit)
    made = run(tenant_request)
    assert made["status"] == "verified" and made["engine"] == backend and made["size"] > 0
    assert (target_dir / "acme" / "config").exists()

    wipe(tenant_request)
    wiped, _ = snapshot_of(tenant_request, "acme")
    assert wiped["records"] != before["records"] and wiped["audit_events"] != before[
        "audit_events"]

    with tenant_request("acme") as request:
        restored = service.restore(request)
    assert restored["id"] == made["id"]
    assert restored["revision_after"] == restored["revision_before"] == made["revision"]
    after, _ = snapshot_of(tenant_request, "acme")
    assert {table: digest for table, digest in after.items() if table not in OWN_TABLES} == {
        table: digest for table, digest in before.items() if table not in OWN_TABLES}
    assert after["audit_subjects"] == before["audit_subjects"]
    assert audit_rows(tenant_request, "acme", last_audit) == before_audit
    assert ("backup.restored", "success") in events(tenant_request, "acme")


def test_backups_are_listed_newest_first_with_size_and_status(acme, tenant_request, clock):
    first = run(tenant_request)
    clock.advance(3600)
    second = run(tenant_request)
    with tenant_request("acme") as request:
        listed = service.list_backups(request)
    assert [item["id"] for item in listed] == [second["id"], first["id"]]
    assert all(item["status"] == "verified" and item["size"] > 0 for item in listed)
    assert listed[0]["at"] > listed[1]["at"]
    assert [event for event in events(tenant_request, "acme")] == [
        ("backup.run", "success"), ("backup.verified", "success")] * 2
