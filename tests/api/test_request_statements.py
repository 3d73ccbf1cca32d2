"""How many SQL statements a read of records costs: a count, not a timing.

The fixed cost of a request is mostly its round trips to the databases
(``bench/request_cost.py`` measures the time). These counts fail as soon
as a change adds a statement to the two requests the API serves most,
on SQLite and PostgreSQL alike. If a change removes one, lower the number.

One record: the session with its user and groups (one query), the record,
and its audit event with its subject (two INSERTs). A page adds the count.
The tenant comes from the process's tenant cache: no platform query.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import Engine, event

from tests.api.conftest import add_records, login

ONE_RECORD = 4
PAGE_OF_50 = 5


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


def test_reading_records_costs_a_fixed_number_of_statements(tenant, registry, testapp):
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

    assert len(one) == ONE_RECORD, "\n".join(one)
    assert len(page) == PAGE_OF_50, "\n".join(page)
    for seen in (one, page):
        assert not any("tenants" in statement for statement in seen)
        assert [s.split()[0] for s in seen].count("INSERT") == 2
        assert not any(s.startswith("UPDATE") for s in seen)
