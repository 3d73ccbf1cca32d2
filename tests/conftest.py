"""Shared fixtures: an app on fresh databases, tenants, users, logged-in clients.

Tests that need a real service (PostgreSQL, Redis, a Celery worker, a
browser) call :func:`need`; on a laptop without the service they skip, and
with ``PRAXCLOUD_TEST_STRICT=1`` (set by CI) the skip becomes a failure.
"""

from __future__ import annotations

import os
import secrets
import uuid

import pytest
import webtest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from praxcloud import main
from praxcloud.core.crypto import encode_key, generate_key
from praxcloud.core.migrations import upgrade_platform
from praxcloud.core.provisioning import create_tenant
from praxcloud.core.scripting import tenant_request

STRICT = os.environ.get("PRAXCLOUD_TEST_STRICT") == "1"
POSTGRES_URL = os.environ.get("PRAXCLOUD_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("PRAXCLOUD_TEST_REDIS_URL")
PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    """Install the example third-party plugin once, before any xdist worker starts.

    The suite pip-installs tests/third_party_plugin (tests/plugin_host); a
    pip install while other workers enumerate entry points would race with
    them, so the controller does it first and the tests find it installed.
    """
    if not hasattr(config, "workerinput"):
        from tests.plugin_host.install_hello import ensure_hello_installed

        ensure_hello_installed()


def need(condition: bool, reason: str) -> None:
    """Skip (or, under PRAXCLOUD_TEST_STRICT=1, fail) when a real service is missing."""
    if condition:
        return
    if STRICT:
        pytest.fail(f"required service missing under PRAXCLOUD_TEST_STRICT: {reason}")
    pytest.skip(reason)


def base_settings(tmp_path) -> dict:
    return {
        "praxcloud.platform_db_url": f"sqlite:///{tmp_path}/platform.sqlite",
        "praxcloud.tenant_db_backend": "sqlite",
        "praxcloud.tenant_data_dir": str(tmp_path / "tenants"),
        "praxcloud.master_key": encode_key(generate_key()),
        "praxcloud.argon2.rounds": "1",
        "praxcloud.argon2.memory_cost": "1024",
        "praxcloud.mail_backend": "folder",
        "mail.top_level_directory": str(tmp_path / "mail"),
        "praxcloud.base_url": "http://localhost",
        "pyramid.reload_templates": "false",
    }


@pytest.fixture(scope="session")
def postgres_tenant_admin_url():
    """A least-privileged tenant-admin role, as production.ini documents it: LOGIN, CREATEDB,
    CREATEROLE, no superuser. The app creates and drops tenants with it; the superuser URL
    (PRAXCLOUD_TEST_POSTGRES_URL) only sets the test databases up and cleans them away."""
    need(bool(POSTGRES_URL), "PRAXCLOUD_TEST_POSTGRES_URL is not set")
    name = f"pxtest_admin_{uuid.uuid4().hex[:8]}"
    password = secrets.token_urlsafe(24)
    superuser = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with superuser.connect() as connection:
        connection.execute(text(
            f"CREATE ROLE \"{name}\" LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD '{password}'"))
    url = make_url(POSTGRES_URL).set(username=name, password=password)
    yield url.render_as_string(hide_password=False)
    with superuser.connect() as connection:
        connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    superuser.dispose()


@pytest.fixture(scope="session")
def postgres_platform_url(postgres_tenant_admin_url):
    """A fresh platform database on the real server for this test session.

    Depends on the tenant-admin role so that the role is dropped last, after
    the tenants' databases and roles it was granted.
    """
    need(bool(POSTGRES_URL), "PRAXCLOUD_TEST_POSTGRES_URL is not set")
    name = f"pxtest_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    yield url
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


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def settings(tmp_path, backend, request):
    result = base_settings(tmp_path)
    if backend == "postgresql":
        platform_url = request.getfixturevalue("postgres_platform_url")
        db_prefix = platform_url.rsplit("/", 1)[1] + f"_t_{secrets.token_hex(2)}_"
        result.update({
            "praxcloud.tenant_db_backend": "postgresql",
            "praxcloud.tenant_admin_url": request.getfixturevalue("postgres_tenant_admin_url"),
            "praxcloud.tenant_db_prefix": db_prefix,
        })
        # Each test gets its own platform schema: drop and re-create the tables.
        engine = create_engine(platform_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        result["praxcloud.platform_db_url"] = platform_url
    return result


@pytest.fixture
def app(settings):
    wsgi = main({}, **settings)
    upgrade_platform(wsgi.registry.tenancy.platform_engine)
    yield wsgi
    from praxcloud.core.provisioning import all_tenants, delete_tenant

    if settings["praxcloud.tenant_db_backend"] == "postgresql":
        for tenant in all_tenants(wsgi.registry.tenancy):
            delete_tenant(wsgi.registry.tenancy, tenant.slug)
    wsgi.registry.tenancy.dispose()


@pytest.fixture
def registry(app):
    return app.registry


@pytest.fixture
def testapp(app):
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                               "REMOTE_ADDR": "127.0.0.1"})


@pytest.fixture
def make_tenant(registry):
    def make(slug="acme", name=None):
        return create_tenant(registry.tenancy, slug, name or slug.title())
    return make


@pytest.fixture
def make_user(registry):
    from praxcloud.core.user_admin import create_user

    def make(slug, email, password=PASSWORD, groups=("staff",)):
        with tenant_request(registry, slug) as request:
            user = create_user(request, email, password, list(groups))
            return user.id
    return make


@pytest.fixture
def tenant(make_tenant, make_user):
    """Tenant 'acme' with an admin, a staff member and a read-only user."""
    found = make_tenant("acme", "Acme Care")
    make_user("acme", "admin@acme.test", groups=("admin",))
    make_user("acme", "staff@acme.test", groups=("staff",))
    make_user("acme", "reader@acme.test", groups=("read-only",))
    return found


def api_login(testapp, slug, email, password=PASSWORD) -> str:
    response = testapp.post_json(f"/api/v1/{slug}/auth/login",
                                 {"email": email, "password": password})
    return response.json["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
