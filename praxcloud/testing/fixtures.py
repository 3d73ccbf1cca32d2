"""The pytest plugin: fixtures for testing PraxCloud and its plugins.

Registered as ``praxcloud`` in the ``pytest11`` entry-point group, so any
test run in an environment where PraxCloud is installed has these fixtures
(``-p no:praxcloud`` turns them off). A plugin distribution's tests need no
conftest of their own to get an app with its plugin installed:

    def test_greeting(make_tenant, api_client):
        make_tenant("acme", plugins={"hello": {"greeting": "Kia ora"}})
        ...

Each test gets its own app on fresh databases: SQLite files in ``tmp_path``,
and again on PostgreSQL when ``PRAXCLOUD_TEST_POSTGRES_URL`` is set (the
``backend`` parameter). Override ``settings`` in a conftest to add keys::

    @pytest.fixture
    def settings(settings):
        return {**settings, "praxcloud.celery_eager": "true"}

WebTest is imported only by the fixtures that make clients, so that an
environment with PraxCloud and pytest but without the test extra still runs
its own tests.
"""

from __future__ import annotations

from functools import partial

import pytest

from .clock import FakeClock, use_fake_clock
from .login import PASSWORD
from .mailbox import Mailbox
from .need import need
from .settings import POSTGRES_URL, base_settings


# --- PostgreSQL, once per test session ---------------------------------------------
@pytest.fixture(scope="session")
def postgres_tenant_admin_url():
    """A least-privileged tenant-admin role's URL (LOGIN, CREATEDB, CREATEROLE, no superuser)."""
    from .postgres import tenant_admin_role

    need(bool(POSTGRES_URL), "PRAXCLOUD_TEST_POSTGRES_URL is not set")
    with tenant_admin_role(POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_platform_url(postgres_tenant_admin_url):
    """A fresh platform database on the real server for this test session.

    Depends on the tenant-admin role so that the role is dropped last, after
    the tenants' databases and roles it was granted.
    """
    from .postgres import platform_database

    with platform_database(POSTGRES_URL) as url:
        yield url


# --- The app -----------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Where the databases are: every app test runs on both (PostgreSQL through need())."""
    return request.param


@pytest.fixture
def settings(tmp_path, backend, request) -> dict:
    """The app's ini settings (a dict); override in a conftest to add or change keys."""
    result = base_settings(tmp_path)
    if backend == "postgresql":
        from .postgres import postgres_settings

        result.update(postgres_settings(request.getfixturevalue("postgres_platform_url"),
                                        request.getfixturevalue("postgres_tenant_admin_url")))
    return result


@pytest.fixture
def app(settings):
    """The WSGI app built from ``settings`` with the installed plugins, its platform migrated."""
    from .app import build_app, close_app

    wsgi = build_app(settings)
    yield wsgi
    close_app(wsgi)


@pytest.fixture
def registry(app):
    return app.registry


@pytest.fixture
def testapp(app):
    """A ``webtest.TestApp`` of ``app``, as a browser on localhost (no one logged in)."""
    from .clients import new_testapp

    return new_testapp(app)


# --- Tenants, users, plugins -------------------------------------------------------
@pytest.fixture
def enable_plugin(registry):
    """``enable_plugin(slug, name, settings=None)``: the tenant's contract gains the plugin.

    Through the core's own path (as ``praxcloud plugins enable`` does): the
    settings are validated against the plugin's schema, its migrations run
    in the tenant's database, its ``praxcloud_tenant_enabled`` hook runs.
    Returns the validated settings, defaults filled in.
    """
    from praxcloud.core import contracts

    def enable(slug: str, plugin_name: str, settings: dict | None = None) -> dict:
        return contracts.enable(registry, slug, plugin_name, settings or {})
    return enable


@pytest.fixture
def make_tenant(registry, enable_plugin):
    """``make_tenant(slug="acme", name=None, plugins=None)``: a provisioned tenant.

    ``plugins`` maps a plugin's name to its settings; each is enabled as
    :func:`enable_plugin` does. Returns the ``Tenant`` row (detached).
    """
    from praxcloud.core.provisioning import all_tenants, create_tenant

    def make(slug: str = "acme", name: str | None = None, plugins: dict | None = None):
        create_tenant(registry.tenancy, slug, name or slug.title())
        for plugin_name, plugin_settings in (plugins or {}).items():
            enable_plugin(slug, plugin_name, plugin_settings)
        # Read back with its contract lines loaded (``enabled_plugins`` works detached).
        return next(t for t in all_tenants(registry.tenancy) if t.slug == slug)
    return make


@pytest.fixture
def make_user(registry):
    """``make_user(slug, email, password=PASSWORD, groups=("staff",))``: an active user's id."""
    from praxcloud.core.scripting import tenant_request
    from praxcloud.core.user_admin import create_user

    def make(slug: str, email: str, password: str = PASSWORD, groups=("staff",)) -> int:
        with tenant_request(registry, slug) as request:
            return create_user(request, email, password, list(groups)).id
    return make


@pytest.fixture
def tenant(make_tenant, make_user):
    """Tenant 'acme' with an admin, a staff member and a read-only user (password PASSWORD)."""
    found = make_tenant("acme", "Acme Care")
    make_user("acme", "admin@acme.test", groups=("admin",))
    make_user("acme", "staff@acme.test", groups=("staff",))
    make_user("acme", "reader@acme.test", groups=("read-only",))
    return found


# --- Logged-in clients -------------------------------------------------------------
@pytest.fixture
def api_client(app):
    """``api_client(slug, email, password=PASSWORD)``: a client logged in through the API.

    It sends the user's Bearer token with every request (``.token`` holds it).
    """
    from .clients import api_client as make

    return partial(make, app)


@pytest.fixture
def console_client(app):
    """``console_client(slug, email, password=PASSWORD)``: a client logged in to the console.

    Logged in through the login form; ``.csrf_token`` is the session's CSRF
    token, to send in the form field ``csrf_token`` (or the ``X-CSRF-Token``
    header) of every POST; ``.post_form(url, fields)`` adds it.
    """
    from .clients import console_client as make

    return partial(make, app)


# --- Mail, time, services ----------------------------------------------------------
@pytest.fixture
def mailbox(settings) -> Mailbox:
    """The mail the app sent: ``mailbox.last("staff@acme.test").link("reset-password")``."""
    return Mailbox(settings["mail.top_level_directory"])


@pytest.fixture
def fake_clock(registry) -> FakeClock:
    """The app's shared state (attempt limits, windows) on a clock the test advances."""
    return use_fake_clock(registry)


@pytest.fixture
def tenant_request(registry):
    """``with tenant_request("acme") as request:`` a tenant-bound request in one transaction.

    The request a service gets in a view (``request.tenant_db``,
    ``request.audit``, ``request.tenant_hooks``), committed when the block
    ends without error, for testing services without going through HTTP.
    """
    from praxcloud.core.scripting import tenant_request as scripted

    def open_request(slug: str = "acme", **kwargs):
        return scripted(registry, slug, **kwargs)
    return open_request
