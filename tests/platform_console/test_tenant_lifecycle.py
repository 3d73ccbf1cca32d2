"""Suspending, resuming and deleting a tenant from the platform console, seen from the tenant."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select, text

from praxcloud.core.models import Tenant
from praxcloud.core.provisioning import db_name_for
from praxcloud.core.security import CONSOLE_COOKIE
from praxcloud.testing import api_login, bearer

from .conftest import csrf_of, operator_post
from .test_segregation import console_cookie_of, fresh_client


def set_status(operator, status: str) -> None:
    token = csrf_of(operator.get("/platform/tenants/acme"))
    operator.post("/platform/tenants/acme/status", {"csrf_token": token, "status": status},
                  status=303)


def test_suspending_blocks_api_and_console_at_once_and_resuming_restores(
        app, operator, registry, tenant):
    client = fresh_client(app)
    api_token = api_login(client, "acme", "staff@acme.test")
    console_token = console_cookie_of(registry, "acme", "staff@acme.test")
    cookie = {"Cookie": f"{CONSOLE_COOKIE}={console_token}"}
    assert client.get("/api/v1/acme/records", headers=bearer(api_token)).status_int == 200
    assert client.get("/acme/records", headers=cookie).status_int == 200

    set_status(operator, "suspended")
    refused = client.get("/api/v1/acme/records", headers=bearer(api_token), status=403)
    assert refused.json["error"]["code"] == "tenant_suspended"
    assert client.get("/api/v1/acme/me", headers=bearer(api_token),
                      status=403).json["error"]["code"] == "tenant_suspended"
    client.post_json("/api/v1/acme/auth/login",
                     {"email": "staff@acme.test", "password": "whatever it is"}, status=403)
    client.get("/acme/records", headers=cookie, status=403)
    client.get("/acme/login", status=403)

    set_status(operator, "active")
    assert client.get("/api/v1/acme/records", headers=bearer(api_token)).status_int == 200
    assert client.get("/acme/records", headers=cookie).status_int == 200


def test_deleting_drops_the_database_and_shreds_the_key(app, operator, registry, tenant,
                                                        settings):
    client = fresh_client(app)
    api_token = api_login(client, "acme", "staff@acme.test")
    postgres = settings["praxcloud.tenant_db_backend"] == "postgresql"
    database_file = Path(settings["praxcloud.tenant_data_dir"]) / "acme.sqlite"
    if postgres:
        assert postgres_database_exists(settings, "acme")
    else:
        assert database_file.exists()

    operator_post(operator, "/platform/tenants/acme/delete", {"confirm": "acme"},
                  page="/platform/tenants/acme")

    if postgres:
        assert not postgres_database_exists(settings, "acme")
        assert not postgres_role_exists(settings, "acme")
    else:
        assert not database_file.exists()
    with registry.tenancy.platform_session() as platform_db:
        # The row held the wrapped key and the sealed credentials: both gone.
        assert platform_db.scalars(select(Tenant).where(Tenant.slug == "acme")).first() is None
    client.get("/api/v1/acme/records", headers=bearer(api_token), status=404)
    client.get("/acme/login", status=404)
    listing = operator.get("/platform/tenants")
    assert "Tenant acme deleted" in listing.text
    assert 'href="http://localhost/platform/tenants/acme"' not in listing.text


def _admin_scalar(settings, sql: str, name: str):
    engine = create_engine(settings["praxcloud.tenant_admin_url"])
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), {"name": name}).scalar()
    finally:
        engine.dispose()


def postgres_database_exists(settings, slug: str) -> bool:
    return bool(_admin_scalar(settings, "SELECT 1 FROM pg_database WHERE datname = :name",
                              db_name_for(slug, settings)))


def postgres_role_exists(settings, slug: str) -> bool:
    return bool(_admin_scalar(settings, "SELECT 1 FROM pg_roles WHERE rolname = :name",
                              db_name_for(slug, settings)))
