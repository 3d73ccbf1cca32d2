"""Creating and destroying tenants and their databases.

SQLite (the default): a file per tenant under ``praxcloud.tenant_data_dir``.
PostgreSQL: a database and a login role per tenant, with a generated
password, made through ``praxcloud.tenant_admin_url`` (a role allowed to
CREATE ROLE and CREATE DATABASE). Identifiers and the password are composed
with psycopg2's ``sql`` module, never by string formatting.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import URL, make_url

from .errors import PraxError
from .migrations import upgrade_tenant
from .models import TENANT_ACTIVE, TENANT_SUSPENDED, Group, Tenant
from .permissions import DEFAULT_GROUPS
from .settings import settings_of
from .tenancy import Tenancy, check_slug

log = logging.getLogger(__name__)


class TenantExists(PraxError):
    code = "tenant_exists"
    status = 409
    message = "a tenant with this slug already exists"


class TenantNotFound(PraxError):
    code = "tenant_not_found"
    status = 404

    def __init__(self, slug: str):
        super().__init__(f"no tenant named {slug!r}")
        self.slug = slug


def _backend(settings) -> str:
    backend = settings_of(settings).tenant_db_backend
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"praxcloud.tenant_db_backend must be sqlite or postgresql, not {backend}")
    return backend


def db_name_for(slug: str, settings) -> str:
    prefix = settings_of(settings).tenant_db_prefix
    return prefix + slug.replace("-", "_")


def create_tenant(tenancy: Tenancy, slug: str, name: str) -> Tenant:
    """Register the tenant, make its database and role, migrate it, seed default groups."""
    check_slug(slug)
    settings = tenancy.settings
    with tenancy.platform_session() as platform_db:
        if tenancy.find(platform_db, slug) is not None:
            raise TenantExists(f"a tenant {slug!r} already exists")
    tenant = Tenant(slug=slug, name=name.strip() or slug, status=TENANT_ACTIVE, settings={},
                    wrapped_key=tenancy.keyring.new_wrapped_tenant_key(slug), sealed_db_url=b"")
    url = _create_database(settings, slug)
    try:
        tenant.sealed_db_url = tenancy.seal_db_url(tenant, url)
        engine = tenancy.engine_for(tenant)
        # A new tenant's contract is empty: the core's tables only.
        upgrade_tenant(engine)
        with tenancy.tenant_transaction(tenant) as tenant_db:
            for group_name, (description, permissions) in DEFAULT_GROUPS.items():
                tenant_db.add(Group(name=group_name, description=description,
                                    permissions=sorted(permissions)))
        with tenancy.platform_session() as platform_db:
            platform_db.add(tenant)
            platform_db.flush()
            platform_db.expunge(tenant)
    except BaseException:
        # Leave nothing half-made behind.
        tenancy.engines.forget(slug)
        _drop_database(settings, slug)
        raise
    return tenant


def set_status(tenancy: Tenancy, slug: str, status: str) -> Tenant:
    if status not in (TENANT_ACTIVE, TENANT_SUSPENDED):
        raise ValueError(status)
    with tenancy.platform_session() as platform_db:
        tenant = tenancy.find(platform_db, slug)
        if tenant is None:
            raise TenantNotFound(slug)
        tenant.status = status
        platform_db.flush()
        platform_db.expunge(tenant)
    return tenant


def delete_tenant(tenancy: Tenancy, slug: str) -> None:
    """Drop the tenant's database and role, and shred its key with its registry row."""
    with tenancy.platform_session() as platform_db:
        tenant = tenancy.find(platform_db, slug)
        if tenant is None:
            raise TenantNotFound(slug)
        platform_db.delete(tenant)
    tenancy.engines.forget(slug)
    _drop_database(tenancy.settings, slug)


# Backends -----------------------------------------------------------------
def _create_database(settings, slug: str) -> str:
    if _backend(settings) == "sqlite":
        directory = Path(settings_of(settings).tenant_data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{slug}.sqlite"
        if path.exists():
            raise TenantExists(f"a database file for {slug!r} already exists at {path}")
        return str(URL.create("sqlite", database=str(path.resolve())))
    return _create_postgres_database(settings, slug)


def _drop_database(settings, slug: str) -> None:
    if _backend(settings) == "sqlite":
        directory = Path(settings_of(settings).tenant_data_dir)
        for suffix in ("", "-wal", "-shm", "-journal"):
            (directory / f"{slug}.sqlite{suffix}").unlink(missing_ok=True)
        return
    _drop_postgres_database(settings, slug)


def _admin_connection(settings):
    import psycopg2

    admin = make_url(settings_of(settings).required("tenant_admin_url"))
    connection = psycopg2.connect(
        host=admin.host, port=admin.port or 5432, user=admin.username,
        password=admin.password, dbname=admin.database or "postgres",
    )
    # CREATE DATABASE cannot run inside a transaction block.
    connection.autocommit = True
    return connection, admin


def _create_postgres_database(settings, slug: str) -> str:
    """The tenant's role and database, made by the least-privileged admin role.

    The admin role needs CREATEDB and CREATEROLE only. PostgreSQL lets it
    make a database owned by another role only when it is a member of that
    role (15: "must be member of role"), so the new role is granted to the
    admin role first; membership is also what lets it drop the database
    later. Any failure drops what this call made: a half-made tenant never
    keeps its slug from being created again.
    """
    from psycopg2 import sql

    name = db_name_for(slug, settings)
    password = secrets.token_urlsafe(32)
    connection, admin = _admin_connection(settings)
    made_role = False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone():
                raise TenantExists(f"a database {name!r} already exists")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
            if cursor.fetchone():
                # No tenant has this slug (checked by the caller) and no database has the
                # name: a role left by a failed attempt before clean-up existed.
                log.warning("dropping role %s left behind by an earlier failed attempt", name)
                cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
            cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(name), sql.Literal(password)
                )
            )
            made_role = True
            cursor.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(name)))
            cursor.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(name)
                )
            )
            # Only the tenant's own role may connect to its database.
            cursor.execute(
                sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name))
            )
    except BaseException:
        if made_role:
            _drop_role_and_database(connection, name)
        raise
    finally:
        connection.close()
    return URL.create(
        "postgresql+psycopg2", username=name, password=password,
        host=admin.host, port=admin.port, database=name,
    ).render_as_string(hide_password=False)


def _drop_postgres_database(settings, slug: str) -> None:
    name = db_name_for(slug, settings)
    connection, _ = _admin_connection(settings)
    try:
        _drop_role_and_database(connection, name)
    finally:
        connection.close()


def _drop_role_and_database(connection, name: str) -> None:
    """Drop database and role ``name`` if they exist (on an autocommit admin connection)."""
    from psycopg2 import errors, sql

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
        if cursor.fetchone():
            try:
                # A tenant made before the admin role was granted each new role (or by
                # a superuser): membership is what allows dropping its database.
                cursor.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(name)))
            except errors.InsufficientPrivilege:
                pass  # a superuser needs none; otherwise the DROP below says what is wrong
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def all_tenants(tenancy: Tenancy) -> list[Tenant]:
    with tenancy.platform_session() as platform_db:
        tenants = list(platform_db.scalars(select(Tenant).order_by(Tenant.slug)))
        for tenant in tenants:
            platform_db.expunge(tenant)
    return tenants
