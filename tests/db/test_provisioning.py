"""Tenants are made by the least-privileged admin role, and a failed attempt leaves nothing.

On PostgreSQL the app's ``praxcloud.tenant_admin_url`` is the role production.ini
documents (CREATEDB, CREATEROLE, no superuser; see praxcloud/testing/postgres.py); the
superuser URL of the test run only looks at what exists.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from praxcloud.core import provisioning
from praxcloud.core.provisioning import all_tenants, create_tenant, db_name_for
from praxcloud.testing import POSTGRES_URL


class MigrationBroke(RuntimeError):
    pass


def leftovers(settings, slug: str) -> dict[str, bool]:
    """What of tenant ``slug``'s storage exists: its database (file), and on PostgreSQL its role."""
    if settings["praxcloud.tenant_db_backend"] == "sqlite":
        folder = Path(settings["praxcloud.tenant_data_dir"])
        return {"database": any(folder.glob(f"{slug}.sqlite*"))}
    name = db_name_for(slug, settings)
    superuser = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with superuser.connect() as connection:
            return {
                "database": connection.scalar(text(
                    "SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}) > 0,
                "role": connection.scalar(text(
                    "SELECT count(*) FROM pg_roles WHERE rolname = :n"), {"n": name}) > 0,
            }
    finally:
        superuser.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_tenant_admin_role_of_the_postgresql_tests_is_no_superuser(settings, backend):
    engine = create_engine(settings["praxcloud.tenant_admin_url"])
    try:
        with engine.connect() as connection:
            superuser, createdb, createrole = connection.execute(text(
                "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
                "WHERE rolname = current_user")).one()
    finally:
        engine.dispose()
    assert (superuser, createdb, createrole) == (False, True, True)


def test_a_tenant_is_made_and_deleted_by_the_least_privileged_role(registry, settings, backend):
    create_tenant(registry.tenancy, "acme", "Acme")
    assert all(leftovers(settings, "acme").values())
    provisioning.delete_tenant(registry.tenancy, "acme")
    assert not any(leftovers(settings, "acme").values())


def test_a_failure_half_way_leaves_nothing_and_the_slug_can_be_made_again(
        registry, settings, backend, monkeypatch):
    def broken(engine):
        raise MigrationBroke("the tenant schema could not be made")

    real_upgrade = provisioning.upgrade_tenant
    monkeypatch.setattr(provisioning, "upgrade_tenant", broken)
    with pytest.raises(MigrationBroke):
        create_tenant(registry.tenancy, "acme", "Acme")
    assert not any(leftovers(settings, "acme").values())
    assert all_tenants(registry.tenancy) == []

    monkeypatch.setattr(provisioning, "upgrade_tenant", real_upgrade)
    create_tenant(registry.tenancy, "acme", "Acme")
    assert [tenant.slug for tenant in all_tenants(registry.tenancy)] == ["acme"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_role_left_by_an_earlier_failed_attempt_does_not_block_the_slug(registry, settings,
                                                                          backend):
    superuser = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with superuser.connect() as connection:
            connection.execute(text(f'CREATE ROLE "{db_name_for("acme", settings)}" LOGIN'))
    finally:
        superuser.dispose()
    create_tenant(registry.tenancy, "acme", "Acme")
    assert leftovers(settings, "acme") == {"database": True, "role": True}
