"""Record views reach the trail in batches, off the request's path, and are never lost quietly.

- A view is not written by its request; the process's writer stores the
  batch (one transaction per tenant) and the event keeps the time of the view.
- The writer's thread writes on its own within its period.
- A batch that cannot be written is kept and written on a later try, once.
- When the writer is full, a request writes its own event again (fail closed).
- A tenant whose plugins listen to ``praxcloud_audit_event`` gets its views
  written in the request, each seen by the hook with its id.
- Closing the app writes what is kept.
"""

from __future__ import annotations

import time

import pytest

from praxcloud.core import audit_writer
from praxcloud.core.models import utcnow
from tests.api.conftest import add_records, audit_events, login

PERIOD = 60  # the thread stays out of the way: tests write the batch themselves


@pytest.fixture
def settings(settings):
    return {**settings, "praxcloud.audit_view_batch_seconds": str(PERIOD)}


@pytest.fixture
def records(tenant, registry):
    return add_records(registry, "acme", ["Ada One", "Ada Two"])


def views(registry) -> list:
    return [e for e in audit_events(registry, "acme") if e.event in ("record.view", "record.list")]


def test_a_view_is_written_with_the_next_batch(registry, testapp, records):
    headers = login(testapp, "acme", "staff@acme.test")
    before = utcnow()
    testapp.get(f"/api/v1/acme/records/{records[0]}", headers=headers)
    testapp.get("/api/v1/acme/records", headers=headers)
    assert views(registry) == []
    assert len(registry.tenancy.view_events) == 2

    assert registry.tenancy.view_events.flush() == 2
    viewed, listed = views(registry)
    assert (viewed.event, viewed.target, viewed.actor) == ("record.view", "Ada One",
                                                           "staff@acme.test")
    assert viewed.details == {"record_id": records[0]}
    assert listed.details == {"page": 1, "shown": 2, "total": 2}
    assert before <= viewed.at <= listed.at <= utcnow()
    # The access report finds them by record, as it finds events written at once.
    report = testapp.get(f"/api/v1/acme/audit/subject?record_id={records[0]}",
                         headers=login(testapp, "acme", "admin@acme.test")).json
    assert {"record.view", "record.list"} <= {item["event"] for item in report["items"]}


def test_the_thread_writes_on_its_own(registry, testapp, records):
    registry.tenancy.view_events.period = 0.05
    headers = login(testapp, "acme", "staff@acme.test")
    testapp.get(f"/api/v1/acme/records/{records[1]}", headers=headers)
    deadline = time.monotonic() + 10
    while not views(registry):
        assert time.monotonic() < deadline, "the writer's thread wrote nothing in 10 s"
        time.sleep(0.05)
    assert [e.target for e in views(registry)] == ["Ada Two"]


def test_a_batch_that_fails_is_kept_and_written_once_later(registry, testapp, records,
                                                           monkeypatch):
    headers = login(testapp, "acme", "staff@acme.test")
    testapp.get(f"/api/v1/acme/records/{records[0]}", headers=headers)
    writer = registry.tenancy.view_events
    real = writer._write_tenant

    def database_away(slug, events):
        raise OSError("the database is away")

    monkeypatch.setattr(writer, "_write_tenant", database_away)
    assert writer.flush() == 0
    assert len(writer) == 1 and views(registry) == []
    monkeypatch.setattr(writer, "_write_tenant", real)
    assert writer.flush() == 1
    assert writer.flush() == 0
    assert len(views(registry)) == 1


def test_a_full_writer_makes_the_request_write_its_own_event(registry, testapp, records,
                                                             monkeypatch):
    monkeypatch.setattr(audit_writer, "MAX_PENDING", 1)
    headers = login(testapp, "acme", "staff@acme.test")
    testapp.get(f"/api/v1/acme/records/{records[0]}", headers=headers)  # kept
    testapp.get(f"/api/v1/acme/records/{records[1]}", headers=headers)  # full: written now
    assert [e.target for e in views(registry)] == ["Ada Two"]
    registry.tenancy.view_events.flush()
    assert sorted(e.target for e in views(registry)) == ["Ada One", "Ada Two"]


def test_a_tenant_whose_plugins_watch_the_trail_gets_its_views_at_once(
        registry, testapp, records, enable_plugin):
    from praxcloud_hello import AUDIT_EVENTS_SEEN

    enable_plugin("acme", "hello")
    seen_before = AUDIT_EVENTS_SEEN.get("acme", {}).get("record.view", 0)
    headers = login(testapp, "acme", "staff@acme.test")
    testapp.get(f"/api/v1/acme/records/{records[0]}", headers=headers)
    assert len(registry.tenancy.view_events) == 0
    assert [e.target for e in views(registry)] == ["Ada One"]
    assert AUDIT_EVENTS_SEEN["acme"]["record.view"] == seen_before + 1


def test_closing_the_app_writes_what_is_kept(registry, testapp, records):
    headers = login(testapp, "acme", "staff@acme.test")
    testapp.get(f"/api/v1/acme/records/{records[0]}", headers=headers)
    registry.tenancy.view_events.stop()
    assert len(views(registry)) == 1


def test_a_batch_of_many_keeps_each_event_with_its_own_subjects(registry, testapp, records):
    from praxcloud.core.models import AuditSubject
    from tests.api.conftest import tenant_db

    headers = login(testapp, "acme", "staff@acme.test")
    testapp.get(f"/api/v1/acme/records/{records[1]}", headers=headers)
    testapp.get("/api/v1/acme/records?q=staff@acme.test", headers=headers)  # an e-mail searched
    testapp.get(f"/api/v1/acme/records/{records[0]}", headers=headers)
    assert registry.tenancy.view_events.flush() == 3
    events = [e for e in audit_events(registry, "acme")
              if e.event in ("record.view", "record.search")]
    assert [(e.event, e.target) for e in events] == [
        ("record.view", "Ada Two"), ("record.search", "staff@acme.test"),
        ("record.view", "Ada One")]
    with tenant_db(registry, "acme") as db:
        kinds = {e.id: sorted((s.kind, s.ref_id) for s in db.query(AuditSubject)
                              .filter(AuditSubject.event_id == e.id)) for e in events}
    assert kinds[events[0].id] == [("record", records[1])]
    assert kinds[events[2].id] == [("record", records[0])]
    # The searched address files the event under that user and under the address.
    assert [kind for kind, _ in kinds[events[1].id]] == ["email", "user"]
