"""Tenant migration 0009 keeps every date of birth while its column becomes text.

The column holds ISO 8601 text from 0009 on, so that field encryption can
store a date encrypted; a date stored before reads back as the same date.
"""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import text

from praxcloud.core.migrations import TENANT_DIR, _config


def _move(engine, revision: str, step) -> None:
    cfg = _config(TENANT_DIR, [str(TENANT_DIR / "versions")])
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        step(cfg, revision)


def test_dates_of_birth_survive_the_move_to_text_and_back(registry, make_tenant,
                                                          tenant_request):
    from praxcloud.plugin import Record

    make_tenant("acme")
    with registry.tenancy.platform_session() as platform_db:
        engine = registry.tenancy.engine_for(registry.tenancy.find(platform_db, "acme"))
    _move(engine, "0008", command.downgrade)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO records (name, date_of_birth, notes, fields, created_at, updated_at, "
            "last_activity_at) VALUES ('Anna', :born, '', '{}', :t, :t, :t), "
            "('Bram', NULL, '', '{}', :t, :t, :t)"),
            {"born": dt.date(1984, 3, 5), "t": dt.datetime(2026, 1, 1)})
    _move(engine, "head", command.upgrade)
    with engine.begin() as connection:
        stored = connection.execute(text("SELECT date_of_birth FROM records ORDER BY id")).all()
    assert [row[0] for row in stored] == ["1984-03-05", None]
    with tenant_request("acme") as request:
        records = request.tenant_db.query(Record).order_by(Record.id).all()
        assert [r.date_of_birth for r in records] == [dt.date(1984, 3, 5), None]
        # Compared and sorted in SQL as dates still: ISO text orders as the dates do.
        assert request.tenant_db.query(Record.name).filter(
            Record.date_of_birth < dt.date(1990, 1, 1)).all() == [("Anna",)]
    _move(engine, "0008", command.downgrade)
    with engine.begin() as connection:
        [(born,)] = connection.execute(text(
            "SELECT date_of_birth FROM records WHERE name = 'Anna'")).all()
    assert str(born) == "1984-03-05"
