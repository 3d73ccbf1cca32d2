"""``praxcloud tenant ...`` on SQLite, and create/delete on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import create_engine, select, text

from praxcloud.core.models import PlatformAuditEvent
from praxcloud.testing import PASSWORD, POSTGRES_URL, api_login

from .conftest import Praxcloud


def tenant_file(settings: dict, slug: str) -> Path:
    return Path(settings["praxcloud.tenant_data_dir"], f"{slug}.sqlite")


def test_create_makes_the_tenant_database_and_lists_it(upgraded, cli_settings):
    result = upgraded.ok("tenant", "create", "acme", "--name", "Acme Care")
    assert result.stdout == "Created tenant 'acme' (Acme Care) with its own sqlite database.\n"
    assert tenant_file(cli_settings, "acme").exists()
    listing = upgraded.ok("tenant", "list").stdout.splitlines()
    assert listing[0].split() == ["SLUG", "NAME", "STATUS", "CREATED", "PLUGINS"]
    assert listing[1].startswith("acme  Acme Care  active")
    assert listing[1].endswith("-")


def test_list_json(upgraded):
    upgraded.ok("tenant", "create", "beta", "--name", "Beta School")
    upgraded.ok("tenant", "create", "acme", "--name", "Acme Care")
    upgraded.ok("tenant", "suspend", "beta")
    tenants = json.loads(upgraded.ok("tenant", "list", "--json").stdout)
    assert [t["slug"] for t in tenants] == ["acme", "beta"]
    assert tenants[0]["name"] == "Acme Care"
    assert [t["status"] for t in tenants] == ["active", "suspended"]
    assert all(t["plugins"] == [] for t in tenants)
    created = dt.datetime.fromisoformat(tenants[0]["created_at"])
    assert abs(created - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_list_json_with_no_tenants_is_an_empty_list(upgraded):
    assert json.loads(upgraded.ok("tenant", "list", "--json").stdout) == []


def test_create_refuses_a_duplicate_and_keeps_the_first(upgraded, cli_settings):
    upgraded.ok("tenant", "create", "acme", "--name", "Acme Care")
    result = upgraded.fails("tenant", "create", "acme", "--name", "Other")
    assert result.stderr == "Error: a tenant 'acme' already exists\n"
    assert tenant_file(cli_settings, "acme").exists()
    assert json.loads(upgraded.ok("tenant", "list", "--json").stdout)[0]["name"] == "Acme Care"


def test_create_refuses_invalid_and_reserved_slugs(upgraded, cli_settings):
    for slug in ("Bad Slug", "a", "9lives", "x" * 41, "ends-"):
        result = upgraded.fails("tenant", "create", slug, "--name", "X")
        assert "a tenant slug is 3-40 characters" in result.stderr
    result = upgraded.fails("tenant", "create", "platform", "--name", "X")
    assert "the slug 'platform' is reserved" in result.stderr
    assert json.loads(upgraded.ok("tenant", "list", "--json").stdout) == []
    assert not Path(cli_settings["praxcloud.tenant_data_dir"]).exists() or not any(
        Path(cli_settings["praxcloud.tenant_data_dir"]).iterdir()
    )


def test_create_needs_a_name(upgraded):
    result = upgraded.fails("tenant", "create", "acme", code=2)
    assert "Missing option '--name'" in result.stderr
    result = upgraded.fails("tenant", "create", "acme", "--name", "   ", code=2)
    assert "Invalid value for --name" in result.stderr


def test_suspend_blocks_the_api_and_resume_opens_it(upgraded, webapp):
    upgraded.ok("tenant", "create", "acme", "--name", "Acme")
    upgraded.ok(
        "user",
        "create",
        "acme",
        "admin@acme.test",
        "--group",
        "admin",
        env={"PRAXCLOUD_PASSWORD": PASSWORD},
    )
    assert upgraded.ok("tenant", "suspend", "acme").stdout == "Tenant 'acme' is now suspended.\n"
    assert upgraded.ok("tenant", "suspend", "acme").stdout == (
        "Tenant 'acme' is already suspended.\n"
    )
    app = webapp()
    refused = app.post_json(
        "/api/v1/acme/auth/login", {"email": "admin@acme.test", "password": PASSWORD}, status=403
    )
    assert refused.json["error"]["code"] == "tenant_suspended"
    assert upgraded.ok("tenant", "resume", "acme").stdout == "Tenant 'acme' is now active.\n"
    assert upgraded.ok("tenant", "resume", "acme").stdout == "Tenant 'acme' is already active.\n"
    # The command ran as another process would: the web app sees the change when its
    # cached tenant expires, within tenant_cache_seconds (tests/core/test_tenant_cache.py
    # times it between two processes); this test moves on without waiting.
    app.app.registry.tenancy.tenants.clear()
    assert api_login(app, "acme", "admin@acme.test")


def test_status_changes_of_an_unknown_tenant_fail(upgraded):
    for command in ("suspend", "resume"):
        result = upgraded.fails("tenant", command, "nope")
        assert result.stderr == "Error: no tenant named 'nope'\n"
    result = upgraded.fails("tenant", "delete", "nope", "--yes")
    assert result.stderr == "Error: no tenant named 'nope'\n"


def test_delete_needs_yes_and_then_removes_the_sqlite_file(upgraded, cli_settings):
    upgraded.ok("tenant", "create", "acme", "--name", "Acme")
    path = tenant_file(cli_settings, "acme")
    refused = upgraded.fails("tenant", "delete", "acme", code=2)
    assert "add --yes to confirm" in refused.stderr
    assert path.exists()
    result = upgraded.ok("tenant", "delete", "acme", "--yes")
    assert "Deleted tenant 'acme'" in result.stdout
    assert not path.exists()
    assert not list(path.parent.glob("acme.sqlite*"))
    assert json.loads(upgraded.ok("tenant", "list", "--json").stdout) == []
    # The slug is free again.
    upgraded.ok("tenant", "create", "acme", "--name", "Acme again")


def test_tenant_changes_are_in_the_platform_audit(upgraded, webapp):
    upgraded.ok("tenant", "create", "acme", "--name", "Acme")
    upgraded.ok("tenant", "suspend", "acme")
    upgraded.ok("tenant", "resume", "acme")
    upgraded.ok("tenant", "delete", "acme", "--yes")
    registry = webapp().app.registry
    with registry.tenancy.platform_session() as platform_db:
        events = list(
            platform_db.scalars(select(PlatformAuditEvent).order_by(PlatformAuditEvent.id))
        )
        assert [(e.event, e.tenant_slug) for e in events] == [
            ("tenant.create", "acme"),
            ("tenant.suspend", "acme"),
            ("tenant.resume", "acme"),
            ("tenant.delete", "acme"),
        ]
        assert all(e.actor.startswith("cli") for e in events)


def test_postgresql_tenant_gets_a_database_and_role_that_delete_drops(pg_ini, webapp):
    # pg_ini skips (or fails under PRAXCLOUD_TEST_STRICT) without a server.
    ini, prefix = pg_ini
    praxcloud = Praxcloud(ini)
    praxcloud.ok("db", "upgrade")
    created = praxcloud.ok("tenant", "create", "acme", "--name", "Acme")
    assert "with its own postgresql database" in created.stdout
    name = prefix + "acme"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")

    def exists() -> tuple[bool, bool]:
        with admin.connect() as connection:
            database = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            role = connection.execute(
                text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :n"), {"n": name}
            ).first()
        return database is not None, role is not None and role[0]

    try:
        assert exists() == (True, True)
        with admin.connect() as connection:
            owner = connection.execute(
                text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :n"),
                {"n": name},
            ).scalar()
        assert owner == name
        # The tenant's own role, through the sealed credentials, serves a login.
        praxcloud.ok(
            "user",
            "create",
            "acme",
            "admin@acme.test",
            "--group",
            "admin",
            env={"PRAXCLOUD_PASSWORD": PASSWORD},
        )
        assert api_login(webapp(ini), "acme", "admin@acme.test")
        praxcloud.ok("db", "upgrade")
        praxcloud.fails("tenant", "create", "acme", "--name", "Again")
        assert exists() == (True, True)
        praxcloud.ok("tenant", "delete", "acme", "--yes")
        assert exists() == (False, False)
    finally:
        admin.dispose()
