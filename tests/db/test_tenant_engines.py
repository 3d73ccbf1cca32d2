"""Tenant engines: bounded, each with its own credentials, sharing one dialect and SQL cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from praxcloud.core.models import Record
from praxcloud.core.scripting import tenant_request


@pytest.fixture
def settings(settings):
    # A cache of two engines, so that three tenants keep evicting one another.
    return {**settings, "praxcloud.tenant_engines_max": "2"}


@pytest.fixture
def three_tenants(make_tenant):
    return [make_tenant(slug) for slug in ("acme", "beta", "gamma")]


def add_record(registry, slug: str, name: str) -> None:
    with tenant_request(registry, slug) as request:
        request.tenant_db.add(Record(name=name, notes="", fields={}))


def names(registry, slug: str) -> list[str]:
    with tenant_request(registry, slug) as request:
        return list(request.tenant_db.scalars(select(Record.name).order_by(Record.name)))


def test_engines_share_dialect_and_compiled_cache_but_not_databases(registry, three_tenants):
    tenancy = registry.tenancy
    for round_number in range(3):
        for tenant in three_tenants:
            add_record(registry, tenant.slug, f"{tenant.slug}-{round_number}")
    assert len(tenancy.engines) == 2
    for tenant in three_tenants:
        assert names(registry, tenant.slug) == [f"{tenant.slug}-{n}" for n in range(3)]
    engines = [tenancy.engine_for(t) for t in three_tenants]
    assert len({id(engine.dialect) for engine in engines}) == 1
    cache = tenancy.engines.factory.compiled_cache
    assert all(engine.get_execution_options()["compiled_cache"] is cache for engine in engines)
    # Statements compiled once serve every tenant.
    assert 0 < len(cache) < 200


def test_engine_made_around_the_shared_dialect_connects_like_create_engine(
        registry, three_tenants, backend):
    tenancy = registry.tenancy
    engines = {t.slug: tenancy.engine_for(t) for t in three_tenants[1:]}
    for slug, engine in engines.items():
        with engine.connect() as connection:
            if backend == "sqlite":
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
                # NORMAL: WAL synced at checkpoints, not at every commit.
                assert connection.execute(text("PRAGMA synchronous")).scalar() == 1
                assert engine.url.database.endswith(f"{slug}.sqlite")
            else:
                # Its own database, reached with its own login role.
                database, user = connection.execute(
                    text("SELECT current_database(), current_user")).one()
                assert database == user and database.endswith(f"_{slug}")
                assert engine.pool.size() == 2
        assert engine.dialect.server_version_info is not None


def test_counting_works_after_eviction(registry, three_tenants):
    for tenant in three_tenants:
        add_record(registry, tenant.slug, "x")
    for _ in range(2):
        for tenant in three_tenants:
            with tenant_request(registry, tenant.slug) as request:
                assert request.tenant_db.scalar(
                    select(func.count()).select_from(Record)) == 1


def open_tenant_files() -> set[str]:
    """The tenant database files this process holds open (WAL and shared memory included)."""
    names = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:
            continue
        if target.endswith((".sqlite", ".sqlite-wal", ".sqlite-shm")) and \
                not target.startswith("platform."):
            names.add(target.split(".sqlite")[0])
    return names


def test_sqlite_connections_are_pooled_and_bounded_by_the_engine_cache(
        registry, three_tenants, backend):
    if backend != "sqlite":
        return  # PostgreSQL's pools are checked above
    tenancy = registry.tenancy
    tenancy.engines.dispose_all()
    opened: list[str] = []
    acme = tenancy.engine_for(three_tenants[0])
    event.listen(acme, "connect", lambda *_args: opened.append("acme"))
    # Requests on one tenant reuse its pooled connection: the PRAGMAs run once.
    for _ in range(3):
        names(registry, "acme")
    assert opened == ["acme"]
    assert open_tenant_files() == {"acme"}
    # Three tenants through a cache of two engines: the least recently used engine
    # is disposed, which closes its files; at most two tenants' files stay open.
    for tenant in three_tenants:
        names(registry, tenant.slug)
        tenancy.engines.settle()  # evicted engines are closed on a thread of their own
        assert len(open_tenant_files()) <= 2
    assert open_tenant_files() == {"beta", "gamma"}
