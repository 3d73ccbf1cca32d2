"""Test databases on a real PostgreSQL server, made and cleaned away by the superuser URL.

The app itself runs with a least-privileged tenant-admin role, as
production.ini documents it (LOGIN, CREATEDB, CREATEROLE, no superuser): it
creates and drops the tenants' databases and roles with it. The superuser
URL (``PRAXCLOUD_TEST_POSTGRES_URL``) only sets the test session up and
cleans everything it made away at the end.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def tenant_admin_role(superuser_url: str) -> Iterator[str]:
    """A fresh tenant-admin role for one test session; yields its URL, then drops it."""
    name = f"pxtest_admin_{uuid.uuid4().hex[:8]}"
    password = secrets.token_urlsafe(24)
    superuser = create_engine(superuser_url, isolation_level="AUTOCOMMIT")
    with superuser.connect() as connection:
        connection.execute(text(
            f"CREATE ROLE \"{name}\" LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD '{password}'"))
    try:
        url = make_url(superuser_url).set(username=name, password=password)
        yield url.render_as_string(hide_password=False)
    finally:
        with superuser.connect() as connection:
            connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        superuser.dispose()


@contextmanager
def platform_database(superuser_url: str) -> Iterator[str]:
    """A fresh platform database for one test session; yields its URL.

    At the end it drops the database and every tenant database and role
    whose name starts with the platform database's (see :func:`tenant_db_prefix`).
    """
    # 6 hex digits here and 6 per test (tenant_db_prefix): with a 40-character
    # slug a tenant database's name is 63 characters, PostgreSQL's limit.
    name = f"pxtest_{uuid.uuid4().hex[:6]}"
    admin = create_engine(superuser_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield superuser_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            rows = connection.execute(text(
                "SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": f"{name}_t_%"})
            for (db,) in rows.fetchall():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            roles = connection.execute(text(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), {"p": f"{name}_t_%"})
            for (role,) in roles.fetchall():
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def tenant_db_prefix(platform_url: str) -> str:
    """A prefix for one test's tenant databases, under the session's cleanup pattern.

    Random per test: a database an earlier test of the session left behind
    must not be met again (4 hex digits were, once in a run of 900 tests).
    """
    return platform_url.rsplit("/", 1)[1] + f"_t_{secrets.token_hex(3)}_"


def reset_platform_schema(platform_url: str) -> None:
    """Drop and re-create the platform tables' schema: each test starts on an empty one."""
    engine = create_engine(platform_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def postgres_settings(platform_url: str, tenant_admin_url: str) -> dict:
    """What turns :func:`~praxcloud.testing.settings.base_settings` into an app on PostgreSQL.

    The platform schema is emptied first; tenants become databases and roles
    named with a prefix of this test's own.
    """
    reset_platform_schema(platform_url)
    return {
        "praxcloud.platform_db_url": platform_url,
        "praxcloud.tenant_db_backend": "postgresql",
        "praxcloud.tenant_admin_url": tenant_admin_url,
        "praxcloud.tenant_db_prefix": tenant_db_prefix(platform_url),
    }
