"""Fixtures of the backup plugin's tests: a directory target, a tenant with data, helpers.

restic, pg_dump and pg_restore are real programs here (need() when missing);
the backups go to a directory under ``tmp_path``.
"""

from __future__ import annotations

import shutil
import time

import pytest
from sqlalchemy import text

from plugins.backup import databases, service
from praxcloud.core import records
from praxcloud.testing import FakeClock, need

NAME = "backup"
# What runs and restores write themselves: the audit trail, and the backup status the
# operators' page shows (plugins/backup/status.py): left out when rows are compared.
OWN_TABLES = {"audit_events", "audit_subjects", "backup_status"}


@pytest.fixture
def settings(settings):
    return {**settings, "praxcloud.celery_eager": "true"}


@pytest.fixture
def restic_installed(backend):
    need(shutil.which("restic") is not None, "restic is not installed (apt install restic)")
    if backend == "postgresql":
        need(shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None,
             "pg_dump/pg_restore are not installed")


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    clock = FakeClock(time.time())
    monkeypatch.setattr(service, "clock", clock)
    return clock


@pytest.fixture
def target_dir(tmp_path):
    directory = tmp_path / "backups"
    directory.mkdir()
    return directory


@pytest.fixture
def target(target_dir) -> str:
    return f"file://{target_dir}"


def add_records(tenant_request, slug: str, count: int, prefix: str = "Person") -> None:
    with tenant_request(slug) as request:
        for number in range(count):
            records.create(request.tenant_db, {
                "name": f"{prefix} {number}", "email": f"p{number}@example.test",
                "notes": "Ünïcode ✓ notes " * (number % 5), "fields": {"n": number}})


@pytest.fixture
def acme(restic_installed, make_tenant, make_user, tenant_request, target):
    make_tenant("acme", plugins={NAME: {"target": target}})
    make_user("acme", "admin@acme.test", groups=("admin",))
    make_user("acme", "staff@acme.test")
    add_records(tenant_request, "acme", 40)
    return "acme"


def snapshot_of(tenant_request, slug: str) -> tuple[dict[str, str], int]:
    """Every table's digest but the audit trail's, and the audit trail up to now hashed too."""
    with tenant_request(slug) as request:
        engine = request.tenant_db.get_bind()
        found = databases.table_digests(engine)
        last = request.tenant_db.execute(text("SELECT max(id) FROM audit_events")).scalar()
    return found, last


def audit_rows(tenant_request, slug: str, upto: int) -> list:
    with tenant_request(slug) as request:
        return [tuple(row) for row in request.tenant_db.execute(
            text("SELECT * FROM audit_events WHERE id <= :upto ORDER BY id"), {"upto": upto})]


def events(tenant_request, slug: str, prefix: str = "backup.") -> list[tuple[str, str]]:
    with tenant_request(slug) as request:
        return [tuple(row) for row in request.tenant_db.execute(
            text("SELECT event, outcome FROM audit_events WHERE event LIKE :p ORDER BY id"),
            {"p": prefix + "%"})]
