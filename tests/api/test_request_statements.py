"""How many SQL statements a read of records costs: a count, not a timing.

The fixed cost of a request is mostly its round trips to the databases
(``bench/request_cost.py`` measures the time). These counts fail as soon
as a change adds a statement to the two requests the API serves most,
on SQLite and PostgreSQL alike. If a change removes one, lower the number.

One record: the session with its user and groups (one query) and the
record. A page adds the count. The tenant comes from the process's tenant
cache: no platform query. The views' audit events are written in batches
by the process's writer (one transaction per tenant and batch); with
batching off (``audit_view_batch_seconds = 0``) each request writes its
own: two INSERTs more.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event

from tests.api.conftest import add_records, audit_events, login

ONE_RECORD = 2
PAGE_OF_50 = 3
AUDIT_INSERTS = 2


@contextmanager
def statements():
    """Every SQL statement any engine sends meanwhile (an executemany is one)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split())[:80])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


@pytest.fixture(params=["batched", "in the request"])
def view_batches(request):
    return request.param


@pytest.fixture
def settings(settings, view_batches):
    # A long period: the test writes the batch itself (flush), never the thread.
    seconds = "60" if view_batches == "batched" else "0"
    # The tenants counter read once an hour, not during a counted request on a slow machine.
    return {**settings, "praxcloud.audit_view_batch_seconds": seconds,
            "praxcloud.tenant_cache_seconds": "3600"}


def test_reading_records_costs_a_fixed_number_of_statements(tenant, registry, testapp,
                                                            view_batches):
    ids = add_records(registry, "acme", [f"Person {n:02d}" for n in range(60)])
    headers = login(testapp, "acme", "staff@acme.test")
    # Warm: the first request of a process loads the tenant into its cache.
    testapp.get(f"/api/v1/acme/records/{ids[0]}", headers=headers)

    with statements() as one:
        body = testapp.get(f"/api/v1/acme/records/{ids[25]}", headers=headers).json
    assert body["id"] == ids[25]
    with statements() as page:
        body = testapp.get("/api/v1/acme/records?per_page=50", headers=headers).json
    assert len(body["items"]) == 50

    inserts = 0 if view_batches == "batched" else AUDIT_INSERTS
    assert len(one) == ONE_RECORD + inserts, "\n".join(one)
    assert len(page) == PAGE_OF_50 + inserts, "\n".join(page)
    for seen in (one, page):
        assert not any("tenants" in statement for statement in seen)
        assert [s.split()[0] for s in seen].count("INSERT") == inserts
        assert not any(s.startswith("UPDATE") for s in seen)
    # Batched or not, the views are in the trail once the batch is written.
    registry.tenancy.view_events.flush()
    events = [e.event for e in audit_events(registry, "acme")]
    assert events.count("record.view") == 2 and events.count("record.list") == 1
