"""Fixtures of the anonymiser's tests: records old and new, the CLI on the test's databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from praxcloud.core.models import Record
from tests.cli.conftest import Praxcloud, write_ini

NAME = "anonymiser"
OLD = dt.datetime.now(dt.UTC) - dt.timedelta(days=1000)
RECENT = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)


@pytest.fixture
def settings(settings):
    return {**settings, "praxcloud.celery_eager": "true"}


def person(n: int, when: dt.datetime = OLD) -> dict:
    return {"name": f"Person Number{n:03d}", "email": f"person{n:03d}@example.org",
            "phone": f"+64 21 555 {n:04d}", "date_of_birth": dt.date(1980, 5, 17),
            "notes": f"Allergic to penicillin, patient {n:03d}",
            "fields": {"nhi": f"ABC{n:04d}"}, "last_activity_at": when}


def add_records(tenant_request, slug: str, rows: list[dict]) -> list[int]:
    with tenant_request(slug) as request:
        records = [Record(**row) for row in rows]
        request.tenant_db.add_all(records)
        request.tenant_db.flush()
        return [record.id for record in records]


def raw(registry, slug: str, sql: str, **params) -> list[dict]:
    """Rows as the database holds them, past the ORM and its codecs."""
    with registry.tenancy.platform_session() as platform_db:
        engine = registry.tenancy.engine_for(registry.tenancy.find(platform_db, slug))
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(text(sql), params).mappings()]


def stored_records(registry, slug: str = "acme") -> dict[int, dict]:
    return {row["id"]: row for row in raw(
        registry, slug, "SELECT id, name, email, phone, date_of_birth, notes, fields, "
                        "anonymised_at FROM records ORDER BY id")}


@pytest.fixture
def cli(tmp_path, settings) -> Praxcloud:
    """``praxcloud -c INI ...`` run in-process on the test app's databases."""
    return Praxcloud(write_ini(tmp_path / "praxcloud.ini", settings))


@pytest.fixture
def ini_path(cli):
    return cli.ini
